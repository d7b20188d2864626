#!/bin/bash
# A container with its own IPC namespace and its own /dev/shm and /dev/mqueue mounts: the
# daemon reaches them through /proc/PID/root, lists their objects under the container's
# namespace, removes its orphans under a Namespace= rule, keeps the file a process inside
# the container maps (the in-use walk covers the container's processes, by host pid), and
# leaves the host's file of the same name alone. A second container that shares the host's
# /dev/shm adds nothing: a mount is read once, by its device.
TEST_PID_NAMESPACE=1
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/posix-lib.sh"

# The host's own orphan of the same name.
shm_orphan leak 4096

# The container: its own IPC and mount namespaces, a tmpfs on /dev/shm and an mqueue mount
# (of its IPC namespace) on /dev/mqueue, an orphan file and queue, and a file mapped by a
# process that stays.
cat >"$TMP/container.sh" <<EOF
set -e
mount -t tmpfs -o mode=1777,size=8m container-shm /dev/shm
mount -t mqueue container-mqueue /dev/mqueue
"$POSIX_HELPER" shm-create leak 8192
chown $NOBODY_UID:$NOBODY_UID /dev/shm/leak
"$POSIX_HELPER" mq-create leakq
"$POSIX_HELPER" mq-send leakq
chown $NOBODY_UID:$NOBODY_UID /dev/mqueue/leakq
"$POSIX_HELPER" shm-create held 8192
chown $NOBODY_UID:$NOBODY_UID /dev/shm/held
"$POSIX_HELPER" shm-map held >"$TMP/mapper.out" 2>&1 &
echo \$! >"$TMP/mapper.pid"
while ! grep -qs ready "$TMP/mapper.out"; do sleep 0.05; done
echo ready >"$TMP/container.ready"
exec sleep 600
EOF
unshare --ipc --mount --propagation private --fork bash "$TMP/container.sh" &
container=$!
BACKGROUND+=("$container")
wait_for_line "$TMP/container.ready" ready
mapper=$(cat "$TMP/mapper.pid")
inode=$(stat -L -c %i "/proc/$mapper/ns/ipc")
[ "$inode" != "$(stat -L -c %i /proc/self/ns/ipc)" ] || fail "the container has the host's namespace"
ns=ipc-$inode
# A second container with its own IPC namespace but the test's /dev/shm (no mount of its own).
unshare --ipc --fork sleep 600 &
BACKGROUND+=("$!")

in_container() { nsenter --mount="/proc/$mapper/ns/mnt" "$@"; }

policy <<'P'
[Daemon]
ScanIntervalSec=1h
[Rule host-only]
Kind=posix-shm posix-sem posix-mq
Owner=99999
Action=keep
P
start_daemon
got=$(ctl --json list --namespace "$ns" | jq -r '[.objects[] | "\(.kind) \(.name) \(.namespace)"] | sort | join(",")')
[ "$got" = "posix-mq leakq $ns,posix-shm held $ns,posix-shm leak $ns" ] ||
        fail "the container's POSIX objects: $got"
# The host's leak is the host's, once: the second container's /dev/shm is the same mount.
got=$(ctl --json list --kind posix-shm | jq -r '[.objects[] | "\(.name) \(.namespace)"] | sort | join(",")')
[ "$got" = "held $ns,leak host,leak $ns" ] || fail "every posix-shm: $got"
stop_daemon

# Rules without Namespace= (the host's only) never touch the container.
policy <<'P'
[Daemon]
ScanIntervalSec=1h
[Rule posix-leaks]
Kind=posix-shm posix-sem posix-mq
MinIdleSec=0
RequireDeadPids=yes
P
summary=$(run_once)
[[ "$summary" == *"1 reaped"* ]] || fail "host-only rule: $summary"
assert_absent /dev/shm/leak "the host's own orphan"
in_container test -e /dev/shm/leak || fail "a rule without Namespace= removed the container's file"
in_container test -e /dev/mqueue/leakq || fail "a rule without Namespace= removed the container's queue"
shm_orphan leak 4096

policy <<'P'
[Daemon]
ScanIntervalSec=1h
[Rule containers]
Namespace=ipc-*
Kind=posix-shm posix-sem posix-mq
MinIdleSec=0
RequireDeadPids=yes
P
summary=$(run_once)
[[ "$summary" == *"2 reaped"* ]] || fail "Namespace=ipc-*: $summary"
in_container test ! -e /dev/shm/leak || fail "the container's orphan file is still there"
in_container test ! -e /dev/mqueue/leakq || fail "the container's orphan queue is still there"
in_container test -e /dev/shm/held || fail "the file a container process maps was removed"
assert_present /dev/shm/leak "the host's file under a rule for containers only"

start_daemon
[ "$(ctl --json list --namespace "$ns" | jq -r '.objects[] | select(.name == "held") | .state')" = in-use ] ||
        fail "held: $(ctl --json list --namespace "$ns")"
ctl --json explain --namespace "$ns" posix-shm held | jq -r '.pending[]' | grep -q "mapped by pid $mapper\b" ||
        fail "Explain does not name the container's process by its host pid: $(ctl --json explain --namespace "$ns" posix-shm held)"
stop_daemon
pass "a container's own /dev/shm and /dev/mqueue are read through its root, reaped by Namespace= rules only, and its mapped file kept"
