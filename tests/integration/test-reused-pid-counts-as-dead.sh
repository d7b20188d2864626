#!/bin/bash
# A recorded pid that now names a process started after the object's last activity is a
# reused pid: it counts as dead. Forced with ns_last_pid in a private pid namespace.
TEST_PID_NAMESPACE=1
source "$(dirname "$0")/lib.sh"

policy <<'P'
[Rule dead-only]
MinIdleSec=0
RequireDeadPids=yes
P
id=$(create shm 0x7001 4096)
cpid=$(awk -v id="$id" 'NR > 1 && $2 == id { print $5 }' /proc/sysvipc/shm)
[ -n "$cpid" ] && [ "$cpid" -gt 1 ] || fail "no creator pid recorded"

# Past the liveness slack (2 s, plus up to 2 s of rounding in btime and IPC times), start a
# process that gets exactly the creator's pid.
sleep 5
echo $((cpid - 1)) >/proc/sys/kernel/ns_last_pid
sleep 60 &
reuser=$!
BACKGROUND+=("$reuser")
[ "$reuser" = "$cpid" ] || fail "could not reuse pid $cpid (got $reuser)"

summary=$(once)
assert_gone shm "$id" "its creator's pid was reused by a newer process"

# The control: a creator that is really alive keeps its object.
spawn holder "$HELPER" --hold shm-create 0x7002 4096
wait_for_line "$TMP/holder.out" ready
live=$(head -n1 "$TMP/holder.out")
summary=$(once)
assert_exists shm "$live" "its creator is alive"
pass "a reused pid counts as dead, a live one does not"
