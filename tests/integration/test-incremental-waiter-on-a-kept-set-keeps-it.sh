#!/bin/bash
# A process that starts waiting in semop on a set whose pids are kept from an earlier pass
# (blocking moves no time and changes no pid) keeps it from removal: a set that would be an
# orphan is asked for its waiters in every pass, and the re-check before removal asks
# again. Once posted, the waiter is gone and the set is removed.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/incremental-lib.sh"

policy <<'P'
[Daemon]
ScanIntervalSec=1h
FullReadEvery=1000
[Rule stale-sets]
Kind=sem
MinIdleSec=0
RequireDeadPids=yes
P
id=$("$HELPER" sem-create 0x6200 2)
# A live user keeps it while its pids are read and then kept.
spawn holder "$HELPER" --hold sem-touch "$id"
holder=$SPAWNED
wait_for_line "$TMP/holder.out" ready
start_daemon --log-level debug
settle 1
[ "$(json_state sem "$id")" = idle ] || fail "a live user's set: $(ctl --json list)"

# A waiter comes, then the user goes: nothing moves the set's times, its kept pid is dead,
# and only the waiter keeps it.
spawn waiter "$HELPER" sem-wait "$id"
waiter=$SPAWNED
wait_for_line "$TMP/waiter.out" waiting
wait_until 5 sh -c "ipcs -s -i $id | awk '\$1 == \"0\" && \$3 == 1 { ok = 1 } END { exit !ok }'" ||
        fail "the waiter never blocked"
kill -TERM "$holder"
wait "$holder" 2>/dev/null || true
for pass in 1 2 3; do
        scan_now >/dev/null
        [ "$(kept_sets)" = 1 ] || fail "pass $pass did not keep the set's pids: $(last_pass_line)"
        assert_exists sem "$id" "pass $pass with a waiter on a kept set"
done
[ "$(json_state sem "$id")" = in-use ] || fail "with a waiter: $(ctl --json list)"
ctl --json explain sem "$id" | jq -r '.pending[]' | grep -q "waiting in semop" ||
        fail "Explain: $(ctl --json explain sem "$id")"
kill -0 "$waiter" || fail "the waiter died"
! grep -q posted "$TMP/waiter.out" || fail "the waiter was woken"

"$HELPER" sem-post "$id"
wait "$waiter" || fail "the waiter did not end normally"
scan_now >/dev/null
assert_gone sem "$id" "no waiter left"
pass "a waiter on a set whose pids are kept keeps it; the set goes once it is gone"
