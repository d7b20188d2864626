#!/bin/bash
# A dry run, by --dry-run or DryRun=yes, reports what it would remove and removes nothing.
# Queues are judged by a walk of every thread; outside a private pid namespace a process
# this machine will not let even root read (its PID 1) would keep every queue, unjudged.
TEST_PID_NAMESPACE=1
source "$(dirname "$0")/lib.sh"

policy <<'P'
[Rule leaks]
MinIdleSec=0
P
shm=$(create shm); sem=$(create sem); msg=$(create msg)
summary=$(once --dry-run)
[[ "$summary" == "3 objects, 3 orphans, 3 would be reaped (dry run)" ]] || fail "summary: $summary"
assert_exists shm "$shm"; assert_exists sem "$sem"; assert_exists msg "$msg"
grep -q "Would remove (dry run) shm $shm" "$TMP/once.log" || fail "no would-remove line"

policy <<'P'
[Daemon]
DryRun=yes
[Rule leaks]
MinIdleSec=0
P
summary=$(once)
[[ "$summary" == *"would be reaped (dry run)" ]] || fail "summary with DryRun=yes: $summary"
assert_exists shm "$shm"; assert_exists sem "$sem"; assert_exists msg "$msg"
pass "dry runs remove nothing"
