#!/bin/bash
# Under RequireDeadPids=yes an object whose recorded pid is alive is kept (idle), for each
# kind; when that process exits, the next pass removes it.
# Queues are judged by a walk of every thread; outside a private pid namespace a process
# this machine will not let even root read (its PID 1) would keep every queue, unjudged.
TEST_PID_NAMESPACE=1
source "$(dirname "$0")/lib.sh"

policy <<'P'
[Rule dead-only]
MinIdleSec=0
RequireDeadPids=yes
P
spawn shm "$HELPER" --hold shm-create 0x6001 4096
holders=("$SPAWNED")
sem=$(create sem 0x6002 2)
spawn sem "$HELPER" --hold sem-touch "$sem"
holders+=("$SPAWNED")
msg=$(create msg 0x6003)
spawn msg "$HELPER" --hold msg-send "$msg"
holders+=("$SPAWNED")
for n in shm sem msg; do wait_for_line "$TMP/$n.out" ready; done
shm=$(head -n1 "$TMP/shm.out")

summary=$(once)
[[ "$summary" == "3 objects, 0 orphans, 0 reaped" ]] || fail "summary with live pids: $summary"
assert_exists shm "$shm"
assert_exists sem "$sem"
assert_exists msg "$msg"

kill "${holders[@]}"
wait "${holders[@]}" 2>/dev/null || true
summary=$(once)
[[ "$summary" == "3 objects, 3 orphans, 3 reaped" ]] || fail "summary once dead: $summary"
pass "live pids keep objects; dead ones let them go"
