#!/bin/bash
# The daemon reads a container's tables from a thread that entered its IPC namespace only,
# so the pids it records are the host's (here: the test's pid namespace), not the
# container's own. The container has a pid namespace of its own too, so that the two differ:
# its creator is pid 2 inside and a larger pid outside. A live creator keeps its detached
# segment (RequireDeadPids=yes); once it is killed, the segment is removed.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/namespace-lib.sh"

policy <<'P'
[Daemon]
ScanIntervalSec=1h
[Rule containers]
Namespace=*
MinIdleSec=0
RequireDeadPids=yes
P
container --pid --fork --kill-child
box=$C_PID ns=$C_NS
wait_until 5 pgrep -P "$box" sleep || fail "the container's init did not start"
init=$(pgrep -P "$box" sleep)
# The init of a pid namespace ignores SIGTERM from outside, and unshare waits for it.
trap 'kill -KILL "$init" 2>/dev/null || true; cleanup' EXIT
spawn creator nsenter --target "$init" --ipc --pid -- "$HELPER" --hold shm-create 0x5353 4096
wait_for_line "$TMP/creator.out" ready
id=$(head -n1 "$TMP/creator.out")
creator=$(pgrep -P "$SPAWNED" ipc-helper) || fail "no ipc-helper under nsenter $SPAWNED"
BACKGROUND+=("$creator")
read -r -a nspids < <(awk '/^NSpid:/ { $1 = ""; print }' "/proc/$creator/status")
[ "${#nspids[@]}" = 2 ] && [ "${nspids[0]}" = "$creator" ] && [ "${nspids[1]}" != "$creator" ] ||
        fail "the creator $creator should have another pid in the container: ${nspids[*]}"
inner=${nspids[1]}
[ "$(ns_field "$box" shm "$id" cpid)" = "$creator" ] ||
        fail "the kernel shows cpid $(ns_field "$box" shm "$id" cpid), not $creator, to the test"
[ "$(in_ns "$box" nsenter --target "$init" --pid -- awk 'NR > 1 { print $5 }' /proc/sysvipc/shm)" = "$inner" ] ||
        fail "the container's own view of cpid is not $inner"

start_daemon
obj=$(ns_object "$ns" shm "$id")
jq -e --argjson pid "$creator" '.pids == [$pid] and .alivePids == [$pid] and
        .creator.pid == $pid and .creator.comm == "ipc-helper" and .state == "idle"' \
        <<<"$obj" >/dev/null || fail "a live creator $creator (pid $inner inside): $obj"
ns_exists "$box" shm "$id" || fail "removed while its creator $creator lives"

kill -KILL "$creator"
wait "$SPAWNED" 2>/dev/null || true
ctl scan >/dev/null
! ns_exists "$box" shm "$id" || fail "not removed after its creator died: $(ns_object "$ns" shm "$id")"
ctl --json history | jq -e --arg ns "$ns" --argjson pid "$creator" '.events | length == 1 and
        .[0].namespace == $ns and .[0].creator.pid == $pid' >/dev/null ||
        fail "history: $(ctl --json history)"
stop_daemon
pass "a container object's pids are host pids; its live creator keeps it"
