#!/bin/bash
# An object idle for less than MinIdleSec is kept, idle, and a later pass under a policy it
# satisfies removes it: the spans decide, not the kind.
# Queues are judged by a walk of every thread; outside a private pid namespace a process
# this machine will not let even root read (its PID 1) would keep every queue, unjudged.
TEST_PID_NAMESPACE=1
source "$(dirname "$0")/lib.sh"

policy <<'P'
[Rule leaks]
MinIdleSec=1h
P
shm=$(create shm)
sem=$(create sem)
msg=$(create msg)
summary=$(once)
[[ "$summary" == "3 objects, 0 orphans, 0 reaped" ]] || fail "summary: $summary"
assert_exists shm "$shm"
assert_exists sem "$sem"
assert_exists msg "$msg"

# A short span passes quickly: two seconds of idleness satisfy MinIdleSec=1s.
policy <<'P'
[Rule leaks]
MinIdleSec=1s
P
sleep 2
summary=$(once)
[[ "$summary" == "3 objects, 3 orphans, 3 reaped" ]] || fail "summary after 1s: $summary"
pass "young objects kept, then removed once old enough"
