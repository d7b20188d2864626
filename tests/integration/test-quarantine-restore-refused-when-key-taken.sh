#!/bin/bash
# A restore whose key is taken by a new object is refused with KeyInUse and changes nothing:
# the new object and the entry both stay. An unprivileged client may neither list the
# quarantine nor restore from it.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/quarantine-lib.sh"

qpolicy
id=$(create shm 0x7e57 8192)
start_daemon
assert_gone shm "$id"
qid=$(quarantine_ids)
[ -n "$qid" ] || fail "no entry"
new=$("$HELPER" shm-create 0x7e57 4096)
before=$(cat /proc/sysvipc/shm)
status=0
out=$(ctl restore "$qid" 2>&1) || status=$?
[ "$status" = 1 ] || fail "restore over a taken key exited $status: $out"
[[ "$out" == *"exists now; nothing was changed"* ]] || fail "message: $out"
ctl --json restore "$qid" 2>&1 | grep -q KeyInUse || true
[ "$(cat /proc/sysvipc/shm)" = "$before" ] || fail "the table changed"
[ "$(quarantine_ids)" = "$qid" ] || fail "the entry left: $(quarantine_ids)"
status=0
out=$(setpriv --reuid=nobody --regid=nogroup --clear-groups "$IPCREAPCTL" --socket "$SOCKET" \
        quarantine 2>&1) || status=$?
[ "$status" = 1 ] && [[ "$out" == *"permission denied"* ]] || fail "nobody listed: $status $out"
status=0
out=$(setpriv --reuid=nobody --regid=nogroup --clear-groups "$IPCREAPCTL" --socket "$SOCKET" \
        restore "$qid" 2>&1) || status=$?
[ "$status" = 1 ] && [[ "$out" == *"permission denied"* ]] || fail "nobody restored: $status $out"
status=0
out=$(ctl restore q000000000000 2>&1) || status=$?
[ "$status" = 1 ] && [[ "$out" == *"no quarantine entry"* ]] || fail "unknown id: $status $out"
ipcrm -m "$new"
out=$(ctl restore "$qid") || fail "restore after the key was freed: $out"
pass "a taken key refuses the restore and changes nothing; nobody is refused"
