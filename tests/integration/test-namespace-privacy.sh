#!/bin/bash
# Host users cannot see a container's IPC today (ipcs shows their own namespace only), and
# the daemon must not change that: a container's object is shown to root and to its owner,
# not to other unprivileged users, in List, Explain and History alike. Host objects stay
# visible to everyone, as before.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/namespace-lib.sh"

# as_nobody ARGS: ipcreapctl as an unprivileged user (the socket is 0666).
as_nobody() {
        setpriv --reuid=nobody --regid=nogroup --clear-groups \
                "$IPCREAPCTL" --socket "$SOCKET" --no-pager "$@"
}

container
box=$C_PID ns=$C_NS
root_box=$(ns_create "$box" 0x6161)
nobody_box=$(in_ns "$box" setpriv --reuid=nobody --regid=nogroup --clear-groups \
        "$HELPER" shm-create 0x6163 4096)
root_host=$(create shm 0x6161)
other_host=$(create shm 0x6162)
[ "$(ns_field "$box" shm "$nobody_box" uid)" = 65534 ] || fail "the segment is not nobody's"

policy <<'P'
[Daemon]
ScanIntervalSec=1h
[Rule leaks]
Namespace=*
Key=0x6161
MinIdleSec=0
Action=report
P
start_daemon

# keys JSON: "namespace key" of every object in a List reply, sorted.
keys() {
        jq -r '.objects[] | "\(.namespace) \(.key)"' | sort | tr '\n' ' '
}
# 0x6161 = 24929, 0x6162 = 24930, 0x6163 = 24931.
want_root="host 24929 host 24930 $ns 24929 $ns 24931 "
want_nobody="host 24929 host 24930 $ns 24931 "
got=$(ctl --json list | keys)
[ "$got" = "$want_root" ] || fail "root lists: $got, not $want_root"
got=$(as_nobody --json list | keys)
[ "$got" = "$want_nobody" ] || fail "nobody lists: $got, not $want_nobody"
got=$(as_nobody --json list --namespace "$ns" | keys)
[ "$got" = "$ns 24931 " ] || fail "nobody lists in $ns: $got"
as_nobody list | grep -q "$ns" || fail "nobody's table lacks its own container segment"

status=0
as_nobody explain --namespace "$ns" shm "$root_box" >"$TMP/explain.out" 2>&1 || status=$?
[ "$status" = 1 ] && grep -q "knows no shm" "$TMP/explain.out" ||
        fail "nobody's explain of root's container segment exited $status: $(cat "$TMP/explain.out")"
status=0
as_nobody --json explain --namespace "$ns" shm "$root_box" >"$TMP/explain.json" 2>&1 || status=$?
[ "$status" = 1 ] && ! grep -q 24929 "$TMP/explain.json" ||
        fail "nobody's JSON explain of root's container segment exited $status: $(cat "$TMP/explain.json")"
as_nobody --json explain --namespace "$ns" shm "$nobody_box" |
        jq -e --arg ns "$ns" '.object.namespace == $ns and .object.ownerUid == 65534' >/dev/null ||
        fail "nobody cannot explain its own container segment"
as_nobody --json explain shm "$root_host" | jq -e '.object.key == 24929' >/dev/null ||
        fail "nobody cannot explain a host segment of root's"
ctl --json explain --namespace "$ns" shm "$root_box" | jq -e '.object.state == "orphan"' \
        >/dev/null || fail "root cannot explain the container segment"

sed -i 's/^Action=report$/Action=reap/' "$POLICY"
ctl reload >/dev/null
ctl scan >/dev/null
! ns_exists "$box" shm "$root_box" || fail "the container's orphan was not removed"
assert_gone shm "$root_host" "the host's orphan"
got=$(ctl --json history | jq -r '.events[] | .namespace' | sort | tr '\n' ' ')
[ "$got" = "host $ns " ] || fail "root's history: $got"
got=$(as_nobody --json history | jq -r '.events[] | .namespace' | sort | tr '\n' ' ')
[ "$got" = "host " ] || fail "nobody's history shows: $got"
as_nobody history | grep -q "$ns" && fail "nobody's history table shows $ns: $(as_nobody history)"
got=$(as_nobody --json list | keys)
[ "$got" = "host 24930 $ns 24931 " ] || fail "nobody lists after the removals: $got"
stop_daemon
pass "a container's objects are shown to root and their owner only; the host's to all"
