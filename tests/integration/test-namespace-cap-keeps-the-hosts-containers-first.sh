#!/bin/bash
# Any user can make IPC namespaces (in a user namespace of their own) by the thousand. A pass
# reads at most 1024 besides the host's, and those of the host's user namespace (containers
# started by root) first: 1030 namespaces of an unprivileged user's user namespaces cannot
# crowd out a root container, whose orphan is still reaped, and the daemon says how many it
# skipped.
source "$(dirname "$0")/lib.sh"

N=1030
for ((i = 0; i < N; i++)); do
        setpriv --reuid=nobody --regid=nogroup --clear-groups \
                unshare --user --map-root-user --ipc sleep 600 &
done
# A root container with a leak in it, made last (the highest inode).
unshare --ipc --fork sh -c "\"$HELPER\" shm-create 0x7300 4096 >/dev/null; exec sleep 600" &
container=$!
wait_until 30 sh -c "[ \$(ls /proc/*/ns/ipc 2>/dev/null | wc -l) -ge $((N + 3)) ]" ||
        fail "the namespaces were not all made"
wait_until 10 sh -c "pgrep -P $container -x sleep" || fail "no container"
holder=$(pgrep -P "$container" -x sleep)
ns=ipc-$(stat -L -c %i "/proc/$holder/ns/ipc")
nsenter --ipc="/proc/$holder/ns/ipc" awk 'NR > 1 && $1 == "29440" { f = 1 } END { exit !f }' /proc/sysvipc/shm ||
        fail "the container's leak was not made"

policy <<'P'
[Daemon]
ScanIntervalSec=1h
[Rule containers]
Namespace=ipc-*
MinIdleSec=0
RequireDeadPids=yes
P
summary=$(once --log-level info)
[[ "$summary" == *"1 reaped"* ]] || fail "the root container's leak was not reaped: $summary"
grep -q "reading 1024 of them" "$TMP/once.log" || fail "no word of the skipped namespaces: $(tail -n 5 "$TMP/once.log")"
! nsenter --ipc="/proc/$holder/ns/ipc" awk 'NR > 1 { f = 1 } END { exit !f }' /proc/sysvipc/shm ||
        fail "the leak in $ns is still there"
pass "1030 namespaces of an unprivileged user do not crowd out a root container"
