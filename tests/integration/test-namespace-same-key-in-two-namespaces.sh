#!/bin/bash
# Two containers, each with an orphan of the same key and the same id (0: ids are per
# namespace): List and Explain show them apart, and a rule naming one container removes
# only that container's; the other, and Explain of it, are untouched.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/namespace-lib.sh"

container
box1=$C_PID ns1=$C_NS ino1=$C_INODE
container
box2=$C_PID ns2=$C_NS ino2=$C_INODE
id1=$(ns_create "$box1" 0x5252 4096)
id2=$(ns_create "$box2" 0x5252 8192)
[ "$id1" = 0 ] && [ "$id2" = 0 ] || fail "expected id 0 in both namespaces, got $id1 and $id2"
[ "$ino1" != "$ino2" ] || fail "both containers have inode $ino1"

policy <<P
[Daemon]
ScanIntervalSec=1h
[Rule first-box]
Namespace=$ns1
MinIdleSec=0
Action=report
P
start_daemon
all=$(ctl --json list --kind shm)
jq -e --arg n1 "$ns1" --arg n2 "$ns2" '[.objects[] | select(.id == 0 and .key == 21074)] |
        (map(.namespace) | sort) == ([$n1, $n2] | sort) and length == 2' <<<"$all" >/dev/null ||
        fail "both segments should be listed, one per namespace: $all"

e1=$(ctl --json explain --namespace "$ns1" shm 0)
e2=$(ctl --json explain --namespace "$ns2" shm 0)
jq -e --arg ns "$ns1" --argjson ino "$ino1" '.object.namespace == $ns and
        .object.namespaceInode == $ino and .object.size == 4096 and .object.state == "orphan" and
        .object.rule == "first-box"' <<<"$e1" >/dev/null || fail "explain $ns1: $e1"
jq -e --arg ns "$ns2" --argjson ino "$ino2" '.object.namespace == $ns and
        .object.namespaceInode == $ino and .object.size == 8192 and .object.state == "unmatched"' \
        <<<"$e2" >/dev/null || fail "explain $ns2: $e2"
# Explain's namespace defaults to the host's, which has no segment 0.
status=0
ctl explain shm 0 >"$TMP/host-explain.out" 2>&1 || status=$?
[ "$status" = 1 ] || fail "explain of host shm 0 exited $status: $(cat "$TMP/host-explain.out")"

# A reaping rule for the first container only.
sed -i 's/^Action=report$/Action=reap/' "$POLICY"
ctl reload >/dev/null
ctl scan >/dev/null
! ns_exists "$box1" shm 0 || fail "$ns1's orphan was not removed"
ns_exists "$box2" shm 0 || fail "$ns2's orphan (same key, same id) was removed by a rule for $ns1"
status=0
ctl --json explain --namespace "$ns1" shm 0 >"$TMP/gone.out" 2>&1 || status=$?
[ "$status" = 1 ] && grep -Eq "NoSuchObject|knows no shm" "$TMP/gone.out" ||
        fail "explain of the removed one exited $status: $(cat "$TMP/gone.out")"
e2=$(ctl --json explain --namespace "$ns2" shm 0)
jq -e --arg ns "$ns2" '.object.namespace == $ns and .object.size == 8192 and
        .object.state == "unmatched"' <<<"$e2" >/dev/null || fail "explain $ns2 after: $e2"
ctl --json history | jq -e --arg ns "$ns1" --argjson ino "$ino1" '.events | length == 1 and
        .[0].namespace == $ns and .[0].namespaceInode == $ino and .[0].size == 4096' \
        >/dev/null || fail "history: $(ctl --json history)"
stop_daemon
pass "the same key and id in two namespaces are two objects; a rule for one spares the other"
