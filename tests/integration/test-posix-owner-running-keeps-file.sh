#!/bin/bash
# A POSIX object has no recorded pid and its creator is unknown: under RequireDeadPids=yes a
# process running with the owner's uid (real, effective, saved or filesystem) may be its
# creator, so the file is kept (idle, with the reason in Explain); once no process runs as
# that uid, the next pass removes it.
TEST_PID_NAMESPACE=1
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/posix-lib.sh"

policy <<'P'
[Daemon]
ScanIntervalSec=1h
[Rule posix-leaks]
Kind=posix-shm posix-sem posix-mq
MinIdleSec=0
RequireDeadPids=yes
P
shm_orphan owned 4096 "$OTHER_UID"

# A user's process, every uid its own.
spawn user setpriv --reuid="$OTHER_UID" --regid="$OTHER_UID" --clear-groups sleep 600
user=$SPAWNED
wait_until 5 sh -c "grep -q '^Uid:[[:space:]]*$OTHER_UID' /proc/$user/status" ||
        fail "the user's process did not start"
summary=$(run_once)
[[ "$summary" == "1 object, 0 orphans, 0 reaped" ]] || fail "summary, owner running: $summary"
assert_present /dev/shm/owned "uid $OTHER_UID runs pid $user"
start_daemon
assert_posix_state posix-shm owned idle
pending posix-shm owned | grep -q "uid $OTHER_UID .*has running processes" ||
        fail "Explain: $(ctl --json explain posix-shm owned)"
stop_daemon
release "$user"

# Root with only its real uid set to the owner's (effective, saved and filesystem uid 0).
spawn ruid setpriv --ruid="$OTHER_UID" sleep 600
ruid=$SPAWNED
wait_until 5 sh -c "grep -Eq '^Uid:[[:space:]]+${OTHER_UID}[[:space:]]+0[[:space:]]' /proc/$ruid/status" ||
        fail "no process with only its real uid $OTHER_UID: $(grep Uid: "/proc/$ruid/status")"
summary=$(run_once)
[[ "$summary" == "1 object, 0 orphans, 0 reaped" ]] || fail "summary, real uid running: $summary"
assert_present /dev/shm/owned "a process has real uid $OTHER_UID"
release "$ruid"

summary=$(run_once)
[[ "$summary" == "1 object, 1 orphan, 1 reaped" ]] || fail "summary, owner gone: $summary"
assert_absent /dev/shm/owned "no process runs as uid $OTHER_UID any more"
pass "the owner's running processes keep a file of unknown creator; it goes after them"
