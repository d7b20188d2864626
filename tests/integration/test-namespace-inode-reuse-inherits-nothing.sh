#!/bin/bash
# The kernel hands a dead namespace's inode to the next one made. Namespace A has a segment
# whose creator the daemon records while it lives; A dies, and between two passes a new
# namespace B takes A's inode, with a segment of the same key and id whose creator exits at
# once. B's object must inherit nothing from A's: no creator, a firstSeen of its own, and B
# is a namespace with its own start time (in status and in the history).
#
# Everything an object's identity has besides its namespace's is made equal on purpose:
# same name (ipc-INODE), kind, id (0, the first of a fresh namespace), key, cuid, and ctime:
# the kernel keeps ctime in whole seconds, so both segments are made within one second (the
# test starts at a second's beginning, and tries again if it ran over). With a different
# ctime the daemon would tell the two apart by ctime alone; equal, only the namespace's start
# time does, which is what this test is about. A itself starts more than a second before B,
# so that the two start times differ in the whole seconds status shows too (the daemon
# places a start on the clock through /proc/stat's btime, whole seconds: up to a second
# early, hence the second of slack below).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/namespace-lib.sh"

policy <<'P'
[Daemon]
ScanIntervalSec=1h
[Rule containers]
Namespace=*
MinIdleSec=0
Action=report
P
start_daemon

next_second() {
        sleep "$(awk -v n="$(date +%N)" 'BEGIN { printf "%.3f", 1.02 - n / 1e9 }')"
}

ns_start_time() {
        ctl --json status | jq -r --arg ns "$1" '.namespaces[] | select(.name == $ns) | .startTime'
}

for attempt in 1 2 3; do
        container
        a=$C_PID ino=$C_INODE ns=$C_NS
        sleep 1
        next_second
        spawn creator-a nsenter --ipc="/proc/$a/ns/ipc" -- "$HELPER" --hold shm-create 0x5454 4096
        creator_a=$SPAWNED
        wait_for_line "$TMP/creator-a.out" ready
        id_a=$(head -n1 "$TMP/creator-a.out")
        ctl scan >/dev/null
        ctime_a=$(ns_field "$a" shm "$id_a" ctime)
        obj_a=$(ns_object "$ns" shm "$id_a")
        start_a=$(ns_start_time "$ns")
        kill_wait "$creator_a" "$a"

        # A's inode is free once the kernel has freed A (after an RCU grace period). A lower
        # free inode is handed out first: hold it, so that the next try gets the one after.
        fillers=()
        for ((try = 0; try < 30; try++)); do
                created=$(date +%s)
                container
                [ "$C_INODE" != "$ino" ] || break
                if [ "$C_INODE" -lt "$ino" ]; then
                        fillers+=("$C_PID")
                else
                        kill_wait "$C_PID"
                        sleep 0.02
                fi
        done
        kill_wait "${fillers[@]}"
        [ "$C_INODE" = "$ino" ] ||
                fail "the kernel did not hand inode $ino to any of 30 new namespaces (last: $C_INODE)"
        b=$C_PID
        id_b=$(ns_create "$b" 0x5454)
        ctime_b=$(ns_field "$b" shm "$id_b" ctime)
        [ "$id_b" = "$id_a" ] || fail "B's segment got id $id_b, A's had $id_a"
        [ "$ctime_b" != "$ctime_a" ] || break
        echo "attempt $attempt: B's segment came a second after A's ($ctime_b, $ctime_a): again" >&2
        kill_wait "$b"
done
[ "$ctime_b" = "$ctime_a" ] || fail "could not make both segments within one second in 3 attempts"

jq -e --argjson ino "$ino" '.creator.comm == "ipc-helper" and .namespaceInode == $ino' \
        <<<"$obj_a" >/dev/null || fail "A's creator was not recorded: $obj_a"
ctl scan >/dev/null
start_b=$(ns_start_time "$ns")
[ -n "$start_b" ] && [ "$start_b" != "$start_a" ] && [ "$start_b" -ge $((created - 1)) ] ||
        fail "B's start time $start_b (A's $start_a, B made at $created): $(ctl --json status | jq -c .namespaces)"
obj_b=$(ns_object "$ns" shm "$id_b")
jq -e --argjson ino "$ino" --argjson created "$created" '.creator == null and
        .firstSeen >= $created and .namespaceInode == $ino and .state == "orphan"' \
        <<<"$obj_b" >/dev/null || fail "B's object inherited from A's ($obj_a): $obj_b"

# Its removal is recorded as B's, not A's.
sed -i 's/^Action=report$/Action=reap/' "$POLICY"
ctl reload >/dev/null
ctl scan >/dev/null
! ns_exists "$b" shm "$id_b" || fail "B's orphan was not removed"
ctl --json history | jq -e --arg ns "$ns" --argjson start "$start_b" '.events | length == 1 and
        .[0].namespace == $ns and .[0].namespaceStartTime == $start and .[0].creator == null' \
        >/dev/null || fail "history (B started at $start_b): $(ctl --json history)"
stop_daemon
pass "a namespace that took a dead one's inode inherits nothing from it"
