#!/bin/bash
# Rules are evaluated in order and the first match governs: keep protects, report only
# reports (logged, never removed), reap removes; later rules are not looked at.
source "$(dirname "$0")/lib.sh"

policy <<'P'
[Rule protect-a]
Key=0x1001
Action=keep

[Rule report-b]
Key=0x1002
MinIdleSec=0
Action=report

[Rule reap-rest]
MinIdleSec=0

[Rule never-reached]
Action=keep
P
a=$(create shm 0x1001)
b=$(create shm 0x1002)
c=$(create shm 0x1003)
summary=$(once)
assert_exists shm "$a" "protected by the first rule"
assert_exists shm "$b" "report only"
assert_gone shm "$c" "reap-rest comes before the keep rule"
[[ "$summary" == "3 objects, 2 orphans, 1 reaped" ]] || fail "summary: $summary"
grep -q "Orphan (reported, not removed) shm $b: .*rule report-b" "$TMP/once.log" ||
        fail "the report rule's orphan was not logged"
pass "first match wins; keep protects; report only reports"
