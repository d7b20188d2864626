#!/bin/bash
# A worker thread blocked in msgrcv keeps the queue while the process's main thread waits
# elsewhere (in pthread_join, so /proc/PID/syscall shows futex, not msgrcv): waiters are
# found per thread. An unused queue is removed in the same pass.
TEST_PID_NAMESPACE=1
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/queue-waiter-lib.sh"

id=$(used_queue 0x7777)
control=$(used_queue 0x7778)
spawn threaded "$WAITER" thread-receive 0x7777
threaded=$SPAWNED
wait_blocked threaded
[ "$WAIT_TID" != "$WAIT_PID" ] || fail "the waiter is the main thread"
if grep -q "^$WAIT_NR " "/proc/$WAIT_PID/syscall"; then
        fail "the main thread is in msgrcv too: $(cat "/proc/$WAIT_PID/syscall")"
fi

summary=$(once)
assert_gone msg "$control" "no waiter, dead pids: removed in the same pass ($summary)"
assert_exists msg "$id" "pass 1 with a worker thread blocked in msgrcv ($summary)"
for pass in 2 3; do
        summary=$(once)
        assert_exists msg "$id" "pass $pass with a worker thread blocked in msgrcv ($summary)"
done
still_waiting threaded "$threaded"

"$HELPER" msg-send "$id"
finished_normally threaded "$threaded" "received 16 bytes"
summary=$(once)
assert_gone msg "$id" "the worker got its message and the process left ($summary)"
pass "a worker thread blocked in msgrcv keeps its queue while the main thread sleeps elsewhere"
