#!/bin/bash
# A container's orphan is listed under its namespace but never reaped by a rule without
# Namespace= (such a rule is for the host only); a rule naming the container removes it,
# while an attached segment in the same container survives and the host's own orphan with
# the same key is left alone. Namespace=* reaches containers too.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/namespace-lib.sh"

policy <<'P'
[Daemon]
ScanIntervalSec=1h
[Rule host-leaks]
MinIdleSec=0
P
container
box=$C_PID ns=$C_NS
orphan=$(ns_create "$box" 0x5151)
attached=$(ns_create "$box" 0x5152)
spawn attach nsenter --ipc="/proc/$box/ns/ipc" -- "$HELPER" shm-attach "$attached"
wait_for_line "$TMP/attach.out" ready
# The host has an orphan of another key: the rule is a live one, it reaps that.
host_other=$(create shm 0x5153)
start_daemon

ns_exists "$box" shm "$orphan" || fail "a rule without Namespace= removed the container's orphan"
ns_exists "$box" shm "$attached" || fail "the attached segment is gone"
assert_gone shm "$host_other" "the host-only rule reaps the host's orphan"
obj=$(ns_object "$ns" shm "$orphan")
jq -e --arg ns "$ns" --argjson ino "$C_INODE" '.namespace == $ns and .namespaceInode == $ino and
        .state == "unmatched" and .rule == null and .key == 20817' <<<"$obj" >/dev/null ||
        fail "the container's orphan under a host-only rule: $obj"
obj=$(ns_object "$ns" shm "$attached")
jq -e '.state == "in-use" and .nattch == 1' <<<"$obj" >/dev/null || fail "attached: $obj"
ctl --json list --namespace host | jq -e '.objects | length == 0' >/dev/null ||
        fail "the container's objects are listed as the host's: $(ctl --json list --namespace host)"
ctl explain --namespace "$ns" shm "$orphan" | grep -q "no Namespace=: applies to the host namespace only" ||
        fail "explain does not say why: $(ctl explain --namespace "$ns" shm "$orphan")"

# The same key on the host: an orphan that only a host rule could remove.
host=$(create shm 0x5151)
policy <<'P'
[Daemon]
ScanIntervalSec=1h
[Rule containers]
Namespace=ipc-*
MinIdleSec=0
P
ctl reload >/dev/null
ctl scan >/dev/null
! ns_exists "$box" shm "$orphan" || fail "Namespace=ipc-* did not remove the container's orphan"
ns_exists "$box" shm "$attached" || fail "Namespace=ipc-* removed an attached segment"
assert_exists shm "$host" "the host's orphan with the same key, under Namespace=ipc-*"
obj=$(ns_object host shm "$host")
jq -e '.state == "unmatched" and .key == 20817' <<<"$obj" >/dev/null || fail "the host's orphan: $obj"
ctl --json history | jq -e --arg ns "$ns" --argjson id "$orphan" '[.events[] |
        select(.namespace == $ns and .kind == "shm" and .id == $id and .rule == "containers")] |
        length == 1' >/dev/null || fail "no removal in the history: $(ctl --json history)"

# Namespace=* is every namespace, containers included.
orphan2=$(ns_create "$box" 0x5154)
policy <<'P'
[Daemon]
ScanIntervalSec=1h
[Rule everywhere]
Namespace=*
Key=0x5154
MinIdleSec=0
P
ctl reload >/dev/null
ctl scan >/dev/null
! ns_exists "$box" shm "$orphan2" || fail "Namespace=* did not remove the container's orphan"
ns_exists "$box" shm "$attached" || fail "Namespace=* removed an attached segment"
stop_daemon
pass "a container's orphan needs a rule that names its namespace; attached ones stay"
