#!/bin/bash
# msqids are per IPC namespace: a process blocked in msgrcv on the same msqid number in
# another namespace does not keep this namespace's queue, which is removed; the other
# namespace's waiter is not disturbed.
TEST_PID_NAMESPACE=1
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/queue-waiter-lib.sh"

# The same id in both namespaces, on purpose (kernel.msg_next_id is per namespace).
id=$(used_queue 0x7777 7)
[ "$id" = 7 ] || fail "kernel.msg_next_id did not give id 7 but $id"
spawn other unshare --ipc "$WAITER" --next-id 7 create-receive 0x7777
other=$SPAWNED
wait_blocked other
[ "$WAIT_ID" = "$id" ] || fail "the other namespace's queue got id $WAIT_ID, not $id"
[ "$(readlink "/proc/$WAIT_PID/ns/ipc")" != "$(readlink /proc/self/ns/ipc)" ] ||
        fail "the waiter is in this IPC namespace"

summary=$(once)
assert_gone msg "$id" "only a waiter in another namespace, on its own queue $id ($summary)"
still_waiting other "$other"

nsenter --ipc="/proc/$WAIT_PID/ns/ipc" "$HELPER" msg-send "$id"
finished_normally other "$other" "received 16 bytes"
pass "a waiter on the same msqid in another IPC namespace does not keep this queue"
