# Shared by test-queue-waiter-*.sh, sourced after lib.sh: the waiter helper, the policy
# that reaps every idle queue whose pids are dead, and a wait for a thread to block.

WAITER=$BUILD/helpers/msg-waiter

# Every queue idle (MinIdleSec=0) with dead pids is an orphan: only a waiter can keep one.
policy <<'P'
[Rule queues]
Kind=msg
MinIdleSec=0
RequireDeadPids=yes
Action=reap
P

# used_queue KEY [NEXT_ID]: a queue a program used and left: it sent one message, received
# it and exited, so both recorded pids are dead. Prints the id.
used_queue() {
        "$WAITER" ${2:+--next-id "$2"} send-receive "$1"
}

# wait_blocked NAME: until the helper spawned as NAME has announced its wait and its thread
# is in that call for real (/proc/PID/task/TID/syscall shows the number). Sets WAIT_PID,
# WAIT_TID, WAIT_ID and WAIT_NR.
wait_blocked() {
        local line
        wait_for_line "$TMP/$1.out" '^waiting '
        line=$(grep '^waiting ' "$TMP/$1.out")
        WAIT_PID=$(sed -n 's/.* pid=\([0-9]*\).*/\1/p' <<<"$line")
        WAIT_TID=$(sed -n 's/.* tid=\([0-9]*\).*/\1/p' <<<"$line")
        WAIT_ID=$(sed -n 's/.* msqid=\([0-9]*\).*/\1/p' <<<"$line")
        WAIT_NR=$(sed -n 's/.* nr=\([0-9]*\).*/\1/p' <<<"$line")
        wait_until 5 grep -q "^$WAIT_NR " "/proc/$WAIT_PID/task/$WAIT_TID/syscall" ||
                fail "$1 never blocked: $(cat "/proc/$WAIT_PID/task/$WAIT_TID/syscall" 2>&1)"
}

# still_waiting NAME PID: the waiter is alive and its call has not returned.
still_waiting() {
        kill -0 "$2" 2>/dev/null || fail "$1 died: $(cat "$TMP/$1.out")"
        if grep -Eq '^(received|sent|msg)' "$TMP/$1.out"; then
                fail "$1 was woken: $(cat "$TMP/$1.out")"
        fi
}

# finished_normally NAME PID WORD: the waiter exited 0 after its call returned normally.
finished_normally() {
        local status=0
        wait "$2" || status=$?
        [ "$status" = 0 ] || fail "$1 exited with $status: $(cat "$TMP/$1.out")"
        grep -q "^$3" "$TMP/$1.out" || fail "$1 did not report '$3': $(cat "$TMP/$1.out")"
}
