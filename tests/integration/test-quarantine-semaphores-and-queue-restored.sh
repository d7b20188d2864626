#!/bin/bash
# A semaphore set comes back with every value, and a queue with every message, its type and
# their order (copied with MSG_COPY, which consumes nothing), both with their key and owner.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/quarantine-lib.sh"

qpolicy
sem=$(create sem 0x5e5 4)
"$QHELPER" sem-set "$sem" 7 0 32767 3 || fail "cannot set the values"
msg=$(create msg 0x4e5)
"$QHELPER" msg-put "$msg" 5 "first" && "$QHELPER" msg-put "$msg" 1 "second" &&
        "$QHELPER" msg-put "$msg" 5 "third, with spaces" || fail "cannot send"
"$QHELPER" set-owner msg "$msg" 4242 4343 620 || fail "cannot set the queue's owner"
want_msgs=$("$QHELPER" msg-dump "$msg")
start_daemon
assert_gone sem "$sem" "quarantined"
assert_gone msg "$msg" "quarantined"
[ "$(quarantine_ids | wc -l)" = 2 ] || fail "entries: $(ctl --json quarantine)"
for qid in $(quarantine_ids); do
        ctl restore "$qid" >/dev/null || fail "restore $qid failed"
done
assert_exists sem "$sem" "restored with its old id"
assert_exists msg "$msg" "restored with its old id"
[ "$("$QHELPER" sem-get "$sem")" = "7 0 32767 3" ] ||
        fail "semaphore values: $("$QHELPER" sem-get "$sem")"
[ "$("$QHELPER" msg-dump "$msg")" = "$want_msgs" ] ||
        fail "messages: $("$QHELPER" msg-dump "$msg"), want $want_msgs"
line=$(awk -v id="$msg" 'NR > 1 && $2 == id { print $1, $3, $8, $9 }' /proc/sysvipc/msg)
[ "$line" = "1253 620 4242 4343" ] || fail "queue key, mode, owner: $line"
pass "a set's values and a queue's messages came back"
