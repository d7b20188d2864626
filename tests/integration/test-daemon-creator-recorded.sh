#!/bin/bash
# The creator's comm, command line and systemd unit are recorded while it lives, and still
# reported after it died. The unit comes from the process's cgroup: the test puts the
# creator in a scope cgroup of its own (removed at the end).
source "$(dirname "$0")/lib.sh"

scope=ipcreap-test-$$.scope
cgroups=()
for hierarchy in /sys/fs/cgroup/systemd /sys/fs/cgroup/unified /sys/fs/cgroup; do
        if [ -e "$hierarchy/cgroup.procs" ] && mkdir "$hierarchy/$scope" 2>/dev/null; then
                cgroups+=("$hierarchy/$scope")
        fi
done
[ ${#cgroups[@]} -gt 0 ] || fail "cannot create a cgroup for the creator"
remove_cgroups() {
        local c
        for c in "${cgroups[@]}"; do
                for p in $(cat "$c/cgroup.procs" 2>/dev/null); do kill -9 "$p" 2>/dev/null || true; done
                sleep 0.1
                rmdir "$c" 2>/dev/null || true
        done
}
trap 'remove_cgroups; cleanup' EXIT

policy <<'P'
[Daemon]
ScanIntervalSec=1h
[Rule report]
MinIdleSec=0
Action=report
P
start_daemon
join="for c in ${cgroups[*]}; do echo \$\$ > \$c/cgroup.procs; done"
spawn creator bash -c "$join; exec $HELPER --hold shm-create 0x7777 4096"
creator=$SPAWNED
wait_for_line "$TMP/creator.out" ready
id=$(head -n1 "$TMP/creator.out")
ctl scan >/dev/null

obj=$(ctl --json list --kind shm | jq --argjson id "$id" '.objects[] | select(.id == $id)')
jq -e --argjson pid "$creator" --arg unit "$scope" '.creator.pid == $pid and
        .creator.comm == "ipc-helper" and .creator.unit == $unit and
        (.creator.cmdline | test("ipc-helper --hold shm-create 0x7777 4096$"))' <<<"$obj" \
        >/dev/null || fail "creator while alive: $obj"

kill "$creator"
wait "$creator" 2>/dev/null || true
ctl scan >/dev/null
obj=$(ctl --json list --kind shm | jq --argjson id "$id" '.objects[] | select(.id == $id)')
jq -e --arg unit "$scope" '.state == "orphan" and .creator.comm == "ipc-helper" and
        .creator.unit == $unit and (.alivePids | length) == 0' <<<"$obj" >/dev/null ||
        fail "creator after death: $obj"
ctl list | grep -Eq "^shm +$id .*ipc-helper\[$creator\]" || fail "table creator: $(ctl list)"
ctl explain shm "$id" | grep -q "Creator: ipc-helper\[$creator\] in $scope" ||
        fail "explain creator: $(ctl explain shm "$id")"
stop_daemon
pass "the creator is recorded while alive and reported after death"
