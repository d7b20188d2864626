#!/bin/bash
# Scan runs a pass at once: a fresh orphan under a MinIdleSec=0 policy is removed by it,
# its summary comes back, and History shows the removal; a dry-run Scan removes nothing.
source "$(dirname "$0")/lib.sh"

policy <<'P'
[Daemon]
ScanIntervalSec=1h
[Rule leaks]
MinIdleSec=0
P
start_daemon
id=$(create shm 0x4242 65536)
out=$(ctl --json scan --dry-run)
jq -e '.dryRun and .wouldReap == 1 and .reaped == 0' <<<"$out" >/dev/null || fail "dry scan: $out"
assert_exists shm "$id" "dry-run scan"

out=$(ctl scan)
[[ "$out" == "1 object, 1 orphan, 1 reaped ("*")" ]] || fail "scan: $out"
assert_gone shm "$id" "Scan removes a fresh orphan at once"

h=$(ctl --json history)
jq -e --argjson id "$id" '.events[0] | .kind == "shm" and .id == $id and .key == 16962 and
        .rule == "leaks" and .size == 65536 and .ownerUid == 0' <<<"$h" >/dev/null ||
        fail "history: $h"
ctl history | grep -Eq "shm +$id 0x00004242 root +64K .* leaks" || fail "history table: $(ctl history)"
[ "$(ctl --json history -n 0 | jq '.events | length')" = 0 ] || fail "history -n 0"
ctl --json status | jq -e '.reapedTotal == 1 and .reclaimedBytesTotal == 65536' >/dev/null ||
        fail "totals: $(ctl --json status)"
ctl metrics | grep -q '^ipcreap_reaped_total{kind="shm",rule="leaks"} 1$' || fail "reaped_total"
stop_daemon
pass "Scan removes at once and History records it"
