#!/bin/bash
# A leaked segment removed under Quarantine=yes comes back with `ipcreapctl restore`: the same
# key, owner, group, mode and id (free again), and every byte of its contents; the entry
# leaves the quarantine and History records both the removal (with its quarantine id) and
# the restore. The restored segment reports its original creator uid.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/quarantine-lib.sh"

qpolicy
# Made by uid 4242: its creator uid is not the daemon's, which the kernel gives a restore.
id=$(setpriv --reuid=4242 --regid=4343 --clear-groups "$HELPER" shm-create 0x5157 1048576)
"$QHELPER" shm-fill "$id" 0x1234 || fail "cannot fill the segment"
# The owner, group and mode a restore must give back.
"$QHELPER" set-owner shm "$id" 4242 4343 640 || fail "cannot set the owner"
before=$(shm_line "$id")
start_daemon
[ -z "$(shm_line "$id")" ] || fail "the orphan was not removed: $(shm_line "$id")"
qid=$(quarantine_ids)
[ "$(echo "$qid" | wc -l)" = 1 ] && [ -n "$qid" ] || fail "expected one entry, got: $qid"
ctl history | grep -q "$qid" || fail "history does not name $qid: $(ctl history)"
ctl --json quarantine | jq -e --arg q "$qid" '.entries[0] | .kind == "shm" and .key == 20823
        and .size == 1048576 and .rule == "quarantined" and .namespace == "host"' >/dev/null ||
        fail "entry fields: $(ctl --json quarantine)"
[ "$(stat -c %a "$STATE/quarantine")" = 700 ] || fail "the store is not 0700"

out=$(ctl restore "$qid") || fail "restore failed: $out"
[[ "$out" == *"as id $id (its old id)"* ]] || fail "restore output: $out"
[ "$(shm_line "$id")" = "$before" ] || fail "restored as '$(shm_line "$id")', was '$before'"
"$QHELPER" shm-check "$id" 0x1234 || fail "the contents differ"
[ -z "$(quarantine_ids)" ] || fail "the entry is still listed"
ctl --json history | jq -e --arg q "$qid" '[.events[] | select(.quarantineId == $q)] |
        length == 2 and .[0].action == "restore" and .[1].action == "remove"' >/dev/null ||
        fail "history: $(ctl --json history)"
ctl scan --dry-run >/dev/null
ctl --json list --kind shm | jq -e --argjson id "$id" \
        '.objects[] | select(.id == $id) | .creatorUid == 4242 and .creatorGid == 4343' \
        >/dev/null || fail "creator uid and gid: $(ctl --json list --kind shm)"
pass "a segment came back byte for byte with its key, owner, mode and id"
