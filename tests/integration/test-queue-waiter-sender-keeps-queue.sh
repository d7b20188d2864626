#!/bin/bash
# A writer blocked in msgsnd on a full queue keeps the queue after its recorded pids died:
# passes keep it, the writer's message goes through once there is room; an unused queue is
# removed in the same pass.
TEST_PID_NAMESPACE=1
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/queue-waiter-lib.sh"

id=$(used_queue 0x7777)
control=$(used_queue 0x7778)
"$WAITER" fill 0x7777 >/dev/null
spawn sender "$WAITER" send 0x7777
sender=$SPAWNED
wait_blocked sender
[ "$WAIT_ID" = "$id" ] || fail "the sender opened queue $WAIT_ID, not $id"

summary=$(once)
assert_gone msg "$control" "no waiter, dead pids: removed in the same pass ($summary)"
assert_exists msg "$id" "pass 1 with a process blocked in msgsnd ($summary)"
for pass in 2 3; do
        summary=$(once)
        assert_exists msg "$id" "pass $pass with a process blocked in msgsnd ($summary)"
done
still_waiting sender "$sender"

"$WAITER" take 0x7777 >/dev/null
finished_normally sender "$sender" sent
summary=$(once)
assert_gone msg "$id" "the writer's message went through and it left ($summary)"
pass "a full queue with a writer blocked in msgsnd is kept and the writer is not disturbed"
