#!/bin/bash
# A process blocked in msgrcv keeps its queue after the queue's recorded pids died (issue 8):
# passes keep the queue, the waiter is never woken with EIDRM and later gets its message the
# ordinary way; an unused queue is removed in the same pass.
TEST_PID_NAMESPACE=1
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/queue-waiter-lib.sh"

id=$(used_queue 0x7777)
control=$(used_queue 0x7778)
# A consumer that started after both predecessors exited: it opens the queue by key and waits.
spawn receiver "$WAITER" receive 0x7777
receiver=$SPAWNED
wait_blocked receiver
[ "$WAIT_ID" = "$id" ] || fail "the receiver opened queue $WAIT_ID, not $id"

summary=$(once)
assert_gone msg "$control" "no waiter, dead pids: removed in the same pass ($summary)"
assert_exists msg "$id" "pass 1 with a process blocked in msgrcv ($summary)"
for pass in 2 3; do
        summary=$(once)
        assert_exists msg "$id" "pass $pass with a process blocked in msgrcv ($summary)"
done
still_waiting receiver "$receiver"

"$HELPER" msg-send "$id"
finished_normally receiver "$receiver" "received 16 bytes"
summary=$(once)
assert_gone msg "$id" "the waiter got its message and left ($summary)"
pass "a queue with a process blocked in msgrcv is kept and the waiter is not disturbed"
