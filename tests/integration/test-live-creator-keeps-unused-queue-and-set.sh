#!/bin/bash
# A queue nobody has sent to and a set nobody has operated on record no pid: their creator
# is unknown, not dead. While a process runs as their owner (a daemon that made its queue at
# start and polls it with IPC_NOWAIT) they are kept, whatever their idle time; once no
# process runs as that uid they are orphans like any other.
# Queues are judged by a walk of every thread; outside a private pid namespace a process
# this machine will not let even root read (its PID 1) would keep every queue, unjudged.
TEST_PID_NAMESPACE=1
source "$(dirname "$0")/lib.sh"

NOBODY=(setpriv --reuid=nobody --regid=nogroup --clear-groups)

policy <<'P'
[Rule leaks]
MinIdleSec=1s
RequireDeadPids=yes
P
spawn queue "${NOBODY[@]}" "$HELPER" --hold msg-create 0x7201
wait_for_line "$TMP/queue.out" ready
queue_holder=$SPAWNED
spawn set "${NOBODY[@]}" "$HELPER" --hold sem-create 0x7202 2
wait_for_line "$TMP/set.out" ready
set_holder=$SPAWNED
msg=$(head -n1 "$TMP/queue.out")
sem=$(head -n1 "$TMP/set.out")
sleep 2

summary=$(once)
assert_exists msg "$msg" "its creator still runs ($summary)"
assert_exists sem "$sem" "its creator still runs ($summary)"
[[ "$summary" == "2 objects, 0 orphans, 0 reaped" ]] || fail "summary: $summary"

# Explain says why: the daemon answers the same from its own pass.
start_daemon
ctl explain msg "$msg" >"$TMP/explain.out" || fail "explain failed"
grep -q "no pid recorded and uid 65534 has running processes" "$TMP/explain.out" ||
        fail "explain does not say why: $(cat "$TMP/explain.out")"
stop_daemon

# The creators exit: nobody runs as that uid any more, and the next pass removes both.
kill "$queue_holder" "$set_holder"
wait "$queue_holder" "$set_holder" 2>/dev/null || true
summary=$(once)
assert_gone msg "$msg" "$summary"
assert_gone sem "$sem" "$summary"
pass "unused queue and set kept while their owner runs, removed after"
