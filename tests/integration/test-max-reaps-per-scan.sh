#!/bin/bash
# MaxReapsPerScan caps the removals of one pass; the rest wait for the next.
source "$(dirname "$0")/lib.sh"

policy <<'P'
[Daemon]
MaxReapsPerScan=2
[Rule leaks]
MinIdleSec=0
P
for i in 1 2 3 4 5; do create shm >/dev/null; done
summary=$(once)
[[ "$summary" == "5 objects, 5 orphans, 2 reaped, 3 deferred" ]] || fail "pass 1: $summary"
[ "$(count_objects shm)" = 3 ] || fail "3 should remain"
summary=$(once)
[[ "$summary" == "3 objects, 3 orphans, 2 reaped, 1 deferred" ]] || fail "pass 2: $summary"
summary=$(once)
[[ "$summary" == "1 object, 1 orphan, 1 reaped" ]] || fail "pass 3: $summary"
[ "$(count_objects shm)" = 0 ] || fail "all should be gone"
pass "MaxReapsPerScan caps each pass"
