#!/bin/bash
# First-seen times and the removal history survive a restart (state.json); a corrupt state
# file is set aside and never keeps the daemon from starting.
source "$(dirname "$0")/lib.sh"

policy <<'P'
[Daemon]
ScanIntervalSec=1h
[Rule reap-leaks]
Key=0x1234
MinIdleSec=0
[Rule keep-rest]
Action=keep
P
kept=$(create shm 0x5555)
start_daemon
first_seen=$(ctl --json list | jq --argjson id "$kept" '.objects[] | select(.id == $id) | .firstSeen')
leak=$(create shm 0x1234)
ctl scan >/dev/null
assert_gone shm "$leak"
stop_daemon
[ -s "$STATE/state.json" ] || fail "no state.json written"

sleep 1.1   # so a first-seen taken afresh would differ
start_daemon
again=$(ctl --json list | jq --argjson id "$kept" '.objects[] | select(.id == $id) | .firstSeen')
[ "$again" = "$first_seen" ] || fail "firstSeen changed across restart: $first_seen -> $again"
ctl --json history | jq -e --argjson id "$leak" '.events[0].id == $id and .events[0].rule == "reap-leaks"' \
        >/dev/null || fail "history lost: $(ctl --json history)"
ctl --json status | jq -e '.reapedTotal == 1' >/dev/null || fail "totals lost"
stop_daemon

echo '{"version": 1, "objects": [tru' >"$STATE/state.json"
start_daemon
grep -q "moved to $STATE/state.json.corrupt" "$TMP/daemon.log" || fail "corrupt file not reported"
[ -e "$STATE/state.json.corrupt" ] || fail "corrupt file not set aside"
[ "$(ctl --json history | jq '.events | length')" = 0 ] || fail "history should start afresh"
stop_daemon
pass "state survives restarts; a corrupt one is set aside"
