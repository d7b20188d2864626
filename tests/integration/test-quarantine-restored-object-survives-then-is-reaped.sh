#!/bin/bash
# A restored object starts a fresh idle time: the next pass keeps it (too young), and once
# idle past MinIdleSec it is reaped again like any other: the daemon's own pid in it (the
# restore's attach, SETALL, msgsnd) does not count as a live user, and it is judged by its
# original creator uid, not the daemon's.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/quarantine-lib.sh"

policy <<'P'
[Daemon]
ScanIntervalSec=1h
[Rule quarantined]
Kind=all
MinIdleSec=3s
Quarantine=yes
P
# Made by uid 4242, who runs nothing: with no live pid recorded it can be an orphan.
id=$(setpriv --reuid=4242 --regid=4343 --clear-groups "$HELPER" shm-create 0x1d1e 4096)
"$QHELPER" set-owner shm "$id" 4242 4343 600
sleep 3.2
start_daemon
assert_gone shm "$id" "an idle orphan"
qid=$(quarantine_ids)
ctl restore "$qid" >/dev/null || fail "restore failed"
assert_exists shm "$id"
ctl scan >/dev/null
assert_exists shm "$id" "the pass right after the restore"
ctl explain shm "$id" | grep -q "rule needs 3s" || fail "explain: $(ctl explain shm "$id")"
sleep 3.2
ctl scan >/dev/null
assert_gone shm "$id" "idle again past MinIdleSec"
[ -n "$(quarantine_ids)" ] || fail "the second removal was not quarantined"
pass "a restored object survives the next pass and is reaped once idle"
