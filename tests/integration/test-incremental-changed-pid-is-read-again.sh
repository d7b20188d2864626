#!/bin/bash
# A semaphore set whose pids were kept from an earlier pass is read again as soon as a
# semop moves its otime: the new process's pid is seen alive and the set is no orphan any
# more. Until then the kept pids (all dead) make it an orphan of a report rule.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/incremental-lib.sh"

policy <<'P'
[Daemon]
ScanIntervalSec=1h
FullReadEvery=1000
[Rule report-sets]
Kind=sem
MinIdleSec=0
RequireDeadPids=yes
Action=report
P
id=$(create sem 0x6100 2)
start_daemon --log-level debug
settle 1
[ "$(json_state sem "$id")" = orphan ] || fail "the used set is not an orphan: $(ctl --json list)"

# A process uses it and stays: otime moves, the set is read again, its pid is alive.
spawn holder "$HELPER" --hold sem-touch "$id"
holder=$SPAWNED
wait_for_line "$TMP/holder.out" ready
scan_now >/dev/null
[ "$(kept_sets)" = 0 ] || fail "the changed set kept its old pids: $(last_pass_line)"
[ "$(json_state sem "$id")" = idle ] || fail "a live user's set is not idle: $(ctl --json list)"
ctl --json list --kind sem | jq -e --argjson id "$id" --argjson pid "$holder" \
        '.objects[] | select(.id == $id) | .alivePids | index($pid)' >/dev/null ||
        fail "pid $holder is not among the alive pids: $(ctl --json list --kind sem)"
# Kept from now on, and still idle: the kept pid is judged alive afresh each pass.
settle 1
[ "$(json_state sem "$id")" = idle ] || fail "idle, kept: $(ctl --json list)"
ctl --json explain sem "$id" | jq -e '.facts[] | select(.name == "semaphore pids") | .thisPass == false and .readAt > 0' >/dev/null ||
        fail "Explain does not say the pids are from an earlier pass: $(ctl --json explain sem "$id")"

# Its user exits: the kept pid is now dead, the set is an orphan again without a new read.
kill -TERM "$holder"
wait "$holder" 2>/dev/null || true
scan_now >/dev/null
[ "$(json_state sem "$id")" = orphan ] || fail "dead user, kept pid: $(ctl --json list)"
pass "a kept set is read again when its otime moves, and kept pids are judged alive afresh"
