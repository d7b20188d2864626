#!/bin/bash
# Reading /dev/mqueue/NAME (the only place that tells a queue's queued bytes, QSIZE:) sets
# its ctime to now. A daemon that reads its queues every pass must not take that for the
# queue's activity: an orphaned queue under MinIdleSec=3 with a pass every second goes
# within a few seconds, as a shared memory file left at the same moment does.
TEST_PID_NAMESPACE=1
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/posix-lib.sh"

policy <<'P'
[Daemon]
ScanIntervalSec=1
[Rule idle-posix]
Kind=posix-shm posix-mq
MinIdleSec=3
RequireDeadPids=yes
P
mq_orphan queue
shm_orphan file
# The kernel behaviour this test is about: a read moves the ctime.
before=$(stat -c %Z /dev/mqueue/queue)
sleep 1.1
cat /dev/mqueue/queue >/dev/null
[ "$(stat -c %Z /dev/mqueue/queue)" != "$before" ] ||
        echo "note: reading the queue did not move its ctime on this kernel" >&2

start_daemon
wait_until 12 sh -c '! [ -e /dev/shm/file ]' || fail "the shared memory file was not reaped"
wait_until 6 sh -c '! [ -e /dev/mqueue/queue ]' ||
        fail "the queue is still there, idle since $(date -d "@$(stat -c %Y /dev/mqueue/queue)" +%T), ctime $(date -d "@$(stat -c %Z /dev/mqueue/queue)" +%T), now $(date +%T): $(ctl --json explain posix-mq queue 2>&1)"
stop_daemon
pass "an idle queue goes although every pass reads it"
