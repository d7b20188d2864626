#!/bin/bash
# A leaked segment (creator exited, nothing attached) idle past MinIdleSec is removed by one
# pass, and the removal is logged with its kind, id, owner and rule.
source "$(dirname "$0")/lib.sh"

policy <<'P'
[Rule leaks]
MinIdleSec=0
P
id=$(create shm private 8192)
assert_exists shm "$id"
summary=$(once)
assert_gone shm "$id" "an orphan under a reap rule"
[[ "$summary" == "1 object, 1 orphan, 1 reaped" ]] || fail "summary: $summary"
grep -q "Removed shm $id: key 0x00000000, owner 0 (root), rule leaks, size 8K" "$TMP/once.log" ||
        fail "no removal line: $(cat "$TMP/once.log")"
pass "orphan segment removed and logged"
