#!/bin/bash
# Named semaphores (/dev/shm/sem.NAME, listed as NAME) and message queues (/dev/mqueue/NAME)
# are judged like shared memory: each one orphaned is removed; a semaphore mapped by a
# process through sem_open and a queue held open through mq_open are in use and kept, with
# Explain naming the pid, until that process exits.
TEST_PID_NAMESPACE=1
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/posix-lib.sh"

policy <<'P'
[Daemon]
ScanIntervalSec=1h
[Rule posix-leaks]
Kind=posix-shm posix-sem posix-mq
MinIdleSec=0
RequireDeadPids=yes
P
sem_orphan sem-left
sem_orphan sem-held
mq_orphan mq-left
mq_orphan mq-held
hold sem-holder sem-open sem-held
sem_holder=$SPAWNED
hold mq-holder mq-open mq-held
mq_holder=$SPAWNED
grep -q /dev/shm/sem.sem-held "/proc/$sem_holder/maps" || fail "sem_open did not map it"

summary=$(run_once)
[[ "$summary" == "4 objects, 2 orphans, 2 reaped" ]] || fail "summary: $summary"
assert_absent /dev/shm/sem.sem-left "an orphaned semaphore"
assert_absent /dev/mqueue/mq-left "an orphaned queue"
assert_present /dev/shm/sem.sem-held "a semaphore mapped by pid $sem_holder"
assert_present /dev/mqueue/mq-held "a queue open in pid $mq_holder"

start_daemon
assert_posix_state posix-sem sem-held in-use
assert_posix_state posix-mq mq-held in-use
[ -z "$(posix_state posix-sem sem.sem-held)" ] || fail "a semaphore is listed with its sem. prefix"
pending posix-sem sem-held | grep -q "mapped by pid $sem_holder\b" ||
        fail "Explain sem: $(ctl --json explain posix-sem sem-held)"
pending posix-mq mq-held | grep -q "open in pid $mq_holder\b" ||
        fail "Explain mq: $(ctl --json explain posix-mq mq-held)"
stop_daemon
assert_present /dev/shm/sem.sem-held "after the daemon's pass"
assert_present /dev/mqueue/mq-held "after the daemon's pass"

release "$sem_holder"
release "$mq_holder"
summary=$(run_once)
[[ "$summary" == "2 objects, 2 orphans, 2 reaped" ]] || fail "summary once released: $summary"
assert_absent /dev/shm/sem.sem-held "its holder exited"
assert_absent /dev/mqueue/mq-held "its holder exited"
pass "orphaned semaphores and queues go; held ones stay until released"
