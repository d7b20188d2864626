#!/bin/bash
# A semaphore set with a process blocked in semop is in use: never removed whatever the
# policy, and the waiter keeps waiting undisturbed until it is posted normally.
source "$(dirname "$0")/lib.sh"

policy <<'P'
[Rule everything]
MinIdleSec=0
RequireDeadPids=no
P
id=$(create sem 0x5001 3)
spawn waiter "$HELPER" sem-wait "$id"
waiter=$SPAWNED
wait_for_line "$TMP/waiter.out" waiting
# Blocked for real: the kernel counts it in semncnt of semaphore 0.
wait_until 5 sh -c "ipcs -s -i $id | awk '\$1 == \"0\" && \$3 == 1 { ok = 1 } END { exit !ok }'" ||
        fail "the waiter never blocked"

for pass in 1 2 3; do
        summary=$(once)
        assert_exists sem "$id" "pass $pass with a waiter"
done
kill -0 "$waiter" || fail "the waiter died"
grep -q posted "$TMP/waiter.out" && fail "the waiter was woken"

"$HELPER" sem-post "$id"
status=0
wait "$waiter" || status=$?
[ "$status" = 0 ] || fail "the waiter exited with $status, not posted normally"
grep -q posted "$TMP/waiter.out" || fail "the waiter did not see its post"

summary=$(once)
assert_gone sem "$id" "no waiters left"
pass "a set with a waiter is never removed and the waiter is not disturbed"
