#!/bin/bash
# Over thousands of semaphore sets that do not change, a pass after the first makes no
# per-semaphore call (GETPID, GETNCNT, GETZCNT) at all: the pids of a set unchanged since
# they were read are kept. Touching one set makes the next pass read that set alone, and a
# full read (FullReadEvery=) reads them all again. Counted by the daemon's debug log, and
# checked against strace's count of semctl calls.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/incremental-lib.sh"

N=3000 NSEMS=4
policy <<'P'
[Daemon]
ScanIntervalSec=1h
FullReadEvery=1000
[Rule stale-sets]
Kind=sem
MinIdleSec=1h
RequireDeadPids=yes
P
"$HELPER" sem-create-many 0x60000 $N $NSEMS
[ "$(count_objects sem)" = $N ] || fail "expected $N sets, found $(count_objects sem)"

start_daemon --log-level debug
settle $N
[ "$(sem_calls)" = 0 ] || fail "a steady pass made per-semaphore calls: $(last_pass_line)"

# strace counts the daemon's semctl calls during one more steady pass: one SEM_STAT_ANY
# per set and a few SEM_INFO, nothing per semaphore (which would be N * NSEMS more).
if command -v strace >/dev/null; then
        strace -f -c -e trace=semctl -o "$TMP/strace.out" -p "$DAEMON_PID" &
        tracer=$!
        sleep 0.5
        scan_now >/dev/null
        sleep 0.2
        kill -INT "$tracer"
        wait "$tracer" || true
        calls=$(awk '$NF == "semctl" { print $4 }' "$TMP/strace.out")
        [ -n "$calls" ] || fail "strace counted no semctl: $(cat "$TMP/strace.out")"
        [ "$calls" -ge $N ] && [ "$calls" -lt $((N + 100)) ] ||
                fail "a steady pass made $calls semctl calls for $N sets of $NSEMS"
fi

# One set changes: the next pass reads its NSEMS pids, nothing else.
id=$(awk 'NR == 2 { print $2 }' /proc/sysvipc/sem)
"$HELPER" sem-touch "$id"
scan_now >/dev/null
[ "$(kept_sets)" = $((N - 1)) ] && [ "$(sem_calls)" = $NSEMS ] ||
        fail "after one set changed: $(last_pass_line)"
stop_daemon

# Every pass a full read: every set's pids every time.
sed -i 's/^FullReadEvery=1000$/FullReadEvery=1/' "$POLICY"
start_daemon --log-level debug
scan_now >/dev/null
scan_now >/dev/null
[ "$(kept_sets)" = 0 ] && [ "$(sem_calls)" = $((N * NSEMS)) ] ||
        fail "FullReadEvery=1 kept something: $(last_pass_line)"
grep -q "Pass: full read" "$TMP/daemon.log" || fail "no full read logged"
pass "a steady pass over $N sets makes no per-semaphore call; a changed set alone is read"
