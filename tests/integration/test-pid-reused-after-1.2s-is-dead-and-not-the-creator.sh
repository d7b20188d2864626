#!/bin/bash
# Liveness is judged to the clock tick: a pid reused 1.2 s after the second of an object's
# last activity belongs to a new process, which counts as dead and is never recorded as the
# object's creator, even when it then uses the object itself. Forced with ns_last_pid in a
# private pid namespace.
TEST_PID_NAMESPACE=1
source "$(dirname "$0")/lib.sh"

# now_ms, second_of ID: wall clock in milliseconds; an object's ctime in seconds.
now_ms() { date +%s%3N; }
ctime_of() { awk -v id="$1" 'NR > 1 && $2 == id { print $14 }' /proc/sysvipc/shm; }

# reuse PID CMD...: runs CMD in the background as exactly PID.
reuse() {
        local pid=$1
        shift
        echo $((pid - 1)) >/proc/sys/kernel/ns_last_pid
        spawn reuser "$@"
        [ "$SPAWNED" = "$pid" ] || fail "could not reuse pid $pid (got $SPAWNED)"
}

# wait_past SECOND MS: until the wall clock is MS milliseconds past the start of SECOND.
wait_past() {
        while [ "$(now_ms)" -lt $(($1 * 1000 + $2)) ]; do sleep 0.02; done
}

policy <<'P'
[Rule dead-only]
MinIdleSec=0
RequireDeadPids=yes
P

# 1. The creator exits; 1.2 s after the activity's second a new process takes its pid.
id=$(create shm 0x7101 4096)
cpid=$(awk -v id="$id" 'NR > 1 && $2 == id { print $5 }' /proc/sysvipc/shm)
[ -n "$cpid" ] && [ "$cpid" -gt 1 ] || fail "no creator pid recorded"
wait_past "$(ctime_of "$id")" 1200
reuse "$cpid" sleep 60
summary=$(once)
assert_gone shm "$id" "pid $cpid was reused 1.2 s after the last activity ($summary)"

# 2. The newcomer with the creator's pid attaches the segment itself: it is the last user
# (alive), but it started after the segment was made, so it is not its creator.
id=$(create shm 0x7102 4096)
cpid=$(awk -v id="$id" 'NR > 1 && $2 == id { print $5 }' /proc/sysvipc/shm)
wait_past "$(ctime_of "$id")" 1200
reuse "$cpid" "$HELPER" shm-attach "$id"
wait_until 5 awk -v id="$id" 'NR > 1 && $2 == id && $7 == 1 { f = 1 } END { exit !f }' \
        /proc/sysvipc/shm || fail "the newcomer did not attach"
once >/dev/null
assert_exists shm "$id" "attached"
creator=$(jq -c --argjson id "$id" '.objects[] | select(.kind == "shm" and .id == $id) | .creator' \
        "$STATE/state.json")
[ "$creator" = "null" ] || [ -z "$creator" ] || fail "recorded $creator as the creator of shm $id"

# 3. The control: a creator alive since before its object keeps it, and is recorded.
spawn holder "$HELPER" --hold shm-create 0x7103 4096
wait_for_line "$TMP/holder.out" ready
live=$(head -n1 "$TMP/holder.out")
once >/dev/null
assert_exists shm "$live" "its creator is alive"
jq -e --argjson id "$live" '.objects[] | select(.kind == "shm" and .id == $id) |
        .creator.comm == "ipc-helper"' "$STATE/state.json" >/dev/null ||
        fail "the live creator of shm $live was not recorded"
pass "a pid reused 1.2 s later is dead and not the creator; a live creator is both alive and recorded"
