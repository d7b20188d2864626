#!/bin/bash
# Waiters keep only their own queue: in the pass that keeps a queue with a blocked
# receiver, a queue whose waiter got its message and left and a queue nobody waits on
# (while other processes sleep in other calls) are removed.
TEST_PID_NAMESPACE=1
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/queue-waiter-lib.sh"

waited=$(used_queue 0x7777)
left=$(used_queue 0x7778)
unused=$(used_queue 0x7779)
spawn receiver "$WAITER" receive 0x7777
receiver=$SPAWNED
wait_blocked receiver
spawn leaver "$WAITER" receive 0x7778
leaver=$SPAWNED
wait_blocked leaver
"$HELPER" msg-send "$left"
finished_normally leaver "$leaver" "received 16 bytes"
# A process asleep in another call (clock_nanosleep) keeps nothing.
spawn sleeper sleep 600
sleeper=$SPAWNED
# Until it sleeps: a process still starting up reads "running" and, if it stays so through
# the re-reads, makes the namespace uncertain (everything kept for that pass).
wait_until 5 grep -q '^[0-9]' "/proc/$sleeper/syscall" || fail "sleep never went to sleep"

summary=$(once)
assert_exists msg "$waited" "a process is blocked in msgrcv on it ($summary)"
assert_gone msg "$left" "its waiter got its message and left ($summary)"
assert_gone msg "$unused" "nobody ever waited on it ($summary)"
still_waiting receiver "$receiver"
kill "$receiver" "$sleeper"
pass "only the queue with a waiter is kept; the others are removed in the same pass"
