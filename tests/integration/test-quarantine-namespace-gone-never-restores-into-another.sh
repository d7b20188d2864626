#!/bin/bash
# A quarantined object of a container is restored only into that container. Two containers
# each leak a segment, quarantined under Namespace=* Quarantine=yes. Container A dies and a
# new one, B, takes A's inode (so B has A's name, ipc-INODE, too): restoring A's entry is
# NamespaceGone (ipcreapctl exits 1 and says why), B's table and the test's own stay empty,
# and the entry stays in the quarantine; the same once B is gone as well (no namespace has
# the inode). Only the namespace's whole identity decides (inode, start time, name), never the
# inode alone. Container K still lives: its entry comes back into K, byte for byte, with its
# key and old id, and nowhere else.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/namespace-lib.sh"
source "$(dirname "$0")/quarantine-lib.sh"

policy <<'P'
[Daemon]
ScanIntervalSec=1h
[Rule containers]
Namespace=*
MinIdleSec=0
Quarantine=yes
P
start_daemon

container
a=$C_PID ino=$C_INODE ns_a=$C_NS
container
k=$C_PID ns_k=$C_NS
id_a=$(ns_create "$a" 0x5a5a 8192)
id_k=$(ns_create "$k" 0x5a5b 12288)
in_ns "$k" "$QHELPER" shm-fill "$id_k" 0x77 || fail "cannot fill K's segment"
ctl scan >/dev/null
! ns_exists "$a" shm "$id_a" || fail "A's orphan was not removed"
! ns_exists "$k" shm "$id_k" || fail "K's orphan was not removed"
# qid NAMESPACE: the QID of the one entry of that namespace.
qid() {
        ctl --json quarantine | jq -r --arg ns "$1" '.entries[] | select(.namespace == $ns) | .quarantineId'
}
qid_a=$(qid "$ns_a")
qid_k=$(qid "$ns_k")
[ -n "$qid_a" ] && [ -n "$qid_k" ] && [ "$(quarantine_ids | wc -l)" = 2 ] ||
        fail "expected one entry of $ns_a and one of $ns_k: $(ctl --json quarantine)"
ctl --json quarantine | jq -e --arg q "$qid_a" --argjson ino "$ino" '.entries[] |
        select(.quarantineId == $q) | .namespaceInode == $ino and .key == 23130' >/dev/null ||
        fail "A's entry: $(ctl --json quarantine)"

# A dies; the kernel frees its inode (after an RCU grace period) and hands the lowest free
# one to the next namespace: hold lower ones so that a later try can get A's.
kill_wait "$a"
fillers=()
for ((try = 0; try < 30; try++)); do
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
[ "$C_INODE" = "$ino" ] || fail "the kernel did not hand inode $ino to any of 30 new namespaces (last: $C_INODE)"
b=$C_PID
[ "$C_NS" = "$ns_a" ] || fail "B is named $C_NS, A was $ns_a"
# The daemon knows B (same inode and name as A, its own start time) before the restore.
ctl scan >/dev/null
ctl --json status | jq -e --arg ns "$ns_a" '[.namespaces[] | select(.name == $ns)] | length == 1' \
        >/dev/null || fail "the daemon does not see B as $ns_a: $(ctl --json status | jq -c .namespaces)"

# restore_refused QID WHEN: ipcreapctl restore QID exits 1 with NamespaceGone's message;
# over Varlink the error is NamespaceGone; nothing is made anywhere; the entry stays.
restore_refused() {
        local out status=0
        out=$(ctl restore "$1" 2>&1) || status=$?
        [ "$status" = 1 ] || fail "$2: ipcreapctl restore $1 exited $status: $out"
        [[ "$out" == *"cannot restore $1: its IPC namespace (container) is gone"* ]] ||
                fail "$2: ipcreapctl restore $1 said: $out"
        "$PROBE" call "$SOCKET" "{\"method\":\"io.ipcreap.Reaper.Restore\",\"parameters\":{\"quarantineId\":\"$1\"}}" |
                jq -e --arg q "$1" '.error == "io.ipcreap.Reaper.NamespaceGone" and
                        .parameters.quarantineId == $q' >/dev/null ||
                fail "$2: Restore over Varlink: $("$PROBE" call "$SOCKET" "{\"method\":\"io.ipcreap.Reaper.Restore\",\"parameters\":{\"quarantineId\":\"$1\"}}")"
        [ "$(count_objects shm)" = 0 ] || fail "$2: a segment appeared in the test's namespace: $(cat /proc/sysvipc/shm)"
        quarantine_ids | grep -qxF "$1" || fail "$2: the refused entry $1 left the quarantine"
}
restore_refused "$qid_a" "B took A's inode"
[ "$(ns_count "$b" shm)" = 0 ] || fail "A's segment was restored into B, a stranger with A's inode: $(in_ns "$b" cat /proc/sysvipc/shm)"
ctl --json history | jq -e --arg q "$qid_a" '[.events[] | select(.quarantineId == $q and .action == "restore")] |
        length == 0' >/dev/null || fail "history records a restore of $qid_a: $(ctl --json history)"
pass "restoring A's entry while B holds A's inode and name is NamespaceGone; B gets nothing"

kill_wait "$b"
ctl scan >/dev/null
restore_refused "$qid_a" "no namespace has the inode"
pass "restoring A's entry once no namespace has its inode is NamespaceGone"

out=$(ctl restore "$qid_k") || fail "restoring K's entry into K failed: $out"
[[ "$out" == *"as id $id_k (its old id) in namespace $ns_k from $qid_k"* ]] || fail "restore output: $out"
ns_exists "$k" shm "$id_k" || fail "K's segment is not back in K: $(in_ns "$k" cat /proc/sysvipc/shm)"
[ "$(ns_field "$k" shm "$id_k" key)" = $((0x5a5b)) ] && [ "$(ns_field "$k" shm "$id_k" size)" = 12288 ] ||
        fail "K's restored segment: $(in_ns "$k" cat /proc/sysvipc/shm)"
in_ns "$k" "$QHELPER" shm-check "$id_k" 0x77 || fail "K's restored segment: the contents differ"
[ "$(count_objects shm)" = 0 ] || fail "K's segment appeared in the test's namespace: $(cat /proc/sysvipc/shm)"
[ "$(quarantine_ids)" = "$qid_a" ] || fail "the quarantine should hold A's entry only: $(ctl --json quarantine)"
stop_daemon
pass "K's entry comes back into K (still alive) byte for byte with its key and id, nowhere else"
