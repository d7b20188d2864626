#!/bin/bash
# A POSIX shared memory file is quarantined and restored with its bytes, owner and mode; a
# non-empty POSIX queue under Quarantine=yes is kept (its messages cannot be copied without
# consuming them) and Explain says so, while an empty one is quarantined.
TEST_PID_NAMESPACE=1
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/posix-lib.sh"
source "$(dirname "$0")/quarantine-lib.sh"

qpolicy
head -c 20000 /dev/urandom >/dev/shm/qfile
chown 4242:4343 /dev/shm/qfile
chmod 640 /dev/shm/qfile
sum=$(sha256sum </dev/shm/qfile)
"$POSIX_HELPER" mq-create full
"$POSIX_HELPER" mq-send full
"$POSIX_HELPER" mq-create empty
chown 4242 /dev/mqueue/full /dev/mqueue/empty
start_daemon
[ ! -e /dev/shm/qfile ] || fail "the file was not removed"
[ -e /dev/mqueue/full ] || fail "a non-empty queue was removed"
[ ! -e /dev/mqueue/empty ] || fail "the empty queue was not removed"
ctl explain posix-mq full | grep -q "cannot be copied without consuming them" ||
        fail "explain: $(ctl explain posix-mq full)"
qid=$(ctl --json quarantine | jq -r '.entries[] | select(.name == "qfile") | .quarantineId')
[ -n "$qid" ] || fail "no entry for qfile: $(ctl --json quarantine)"
ctl restore "$qid" >/dev/null || fail "restore failed"
[ "$(sha256sum </dev/shm/qfile)" = "$sum" ] || fail "the bytes differ"
[ "$(stat -c '%u %g %a' /dev/shm/qfile)" = "4242 4343 640" ] ||
        fail "owner and mode: $(stat -c '%u %g %a' /dev/shm/qfile)"
pass "a POSIX file came back; a non-empty POSIX queue was kept"
