#!/bin/bash
# A POSIX shared memory file that a process has mapped and whose descriptor it closed is in
# use: its owner uid runs no process and it is idle, yet no pass removes it; List says
# in-use and Explain names the pid. Once that process exits, the next pass removes it.
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
shm_orphan mapped 16384
hold mapper shm-map mapped
mapper=$SPAWNED
grep -q /dev/shm/mapped "/proc/$mapper/maps" || fail "the helper did not map the file"
[ -z "$(find "/proc/$mapper/fd" -lname '/dev/shm/*')" ] || fail "the helper still holds an fd"

for pass in 1 2; do
        summary=$(run_once)
        [[ "$summary" == "1 object, 0 orphans, 0 reaped" ]] || fail "summary (pass $pass): $summary"
        assert_present /dev/shm/mapped "mapped by pid $mapper (pass $pass)"
done
[ "$(stat -c %a /dev/shm/mapped)" = 600 ] || fail "the mode changed: $(stat -c %a /dev/shm/mapped)"

start_daemon
assert_present /dev/shm/mapped "mapped, daemon pass"
assert_posix_state posix-shm mapped in-use
pending posix-shm mapped | grep -q "mapped by pid $mapper\b" ||
        fail "Explain does not name the pid: $(ctl --json explain posix-shm mapped)"
ctl explain posix-shm mapped | grep -q "mapped by pid $mapper" || fail "explain text"
# Another unprivileged user learns that the file is in use, not which process uses it:
# the daemon found it with CAP_SYS_PTRACE, which hidepid= may deny that user.
chmod 755 "$TMP"
as_other=$(setpriv --reuid=nobody --regid=nogroup --clear-groups "$IPCREAPCTL" --socket "$SOCKET" \
        --no-pager explain posix-shm mapped 2>&1) || fail "explain as nobody: $as_other"
grep -q "mapped or open in 1 process" <<<"$as_other" || fail "explain as nobody: $as_other"
! grep -q "pid $mapper" <<<"$as_other" || fail "another user was told the pid: $as_other"
stop_daemon

release "$mapper"
summary=$(run_once)
[[ "$summary" == "1 object, 1 orphan, 1 reaped" ]] || fail "summary once unmapped: $summary"
assert_absent /dev/shm/mapped "the mapping process exited"
pass "a mapped file with its fd closed is kept; it goes once unmapped"
