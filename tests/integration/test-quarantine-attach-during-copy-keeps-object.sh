#!/bin/bash
# An attach that happens while the daemon copies a segment into the quarantine (after the
# fence and the first re-check, before the removal) keeps the segment: the second re-check
# sees a user that is not the daemon, gives the mode back and drops the copy. The attacher is
# root (CAP_IPC_OWNER passes the fence), waiting for the daemon's own attach to race it.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/quarantine-lib.sh"

qpolicy
id=$("$HELPER" shm-create 0x2ace 134217728)
"$QHELPER" shm-fill "$id" 7
mode=$(awk -v id="$id" 'NR > 1 && $2 == id { print $3 }' /proc/sysvipc/shm)
spawn racer "$QHELPER" shm-race "$id" 20
start_daemon
wait_for_line "$TMP/racer.out" "attached\|refused\|timeout" 20
result=$(head -n1 "$TMP/racer.out")
[ "$result" = attached ] || fail "the racer did not attach during the copy: $result"
assert_exists shm "$id" "attached while it was copied"
[ "$(awk -v id="$id" 'NR > 1 && $2 == id { print $3 }' /proc/sysvipc/shm)" = "$mode" ] ||
        fail "its mode was not given back"
[ -z "$(quarantine_ids)" ] || fail "the copy of a kept object stayed: $(quarantine_ids)"
[ -z "$(find "$STATE/quarantine" -type f)" ] || fail "files left: $(ls "$STATE/quarantine")"
grep -q "Not removing shm $id.*while its contents were copied" "$TMP/daemon.log" ||
        fail "no journal line saying why"
pass "an attach during the copy keeps the segment and drops the copy"
