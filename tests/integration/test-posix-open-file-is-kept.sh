#!/bin/bash
# A POSIX shared memory file that a process only holds open (never mapped) is in use: no
# pass removes it; List says in-use and Explain names the pid. Once that process exits,
# the next pass removes it.
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
shm_orphan held 4096
hold opener shm-open held
opener=$SPAWNED
! grep -q /dev/shm/held "/proc/$opener/maps" || fail "the helper mapped the file"
[ -n "$(find "/proc/$opener/fd" -lname /dev/shm/held)" ] || fail "the helper holds no fd"

for pass in 1 2; do
        summary=$(run_once)
        [[ "$summary" == "1 object, 0 orphans, 0 reaped" ]] || fail "summary (pass $pass): $summary"
        assert_present /dev/shm/held "open in pid $opener (pass $pass)"
done
[ "$(stat -c %a /dev/shm/held)" = 600 ] || fail "the mode changed: $(stat -c %a /dev/shm/held)"

start_daemon
assert_posix_state posix-shm held in-use
pending posix-shm held | grep -q "open in pid $opener\b" ||
        fail "Explain does not name the pid: $(ctl --json explain posix-shm held)"
stop_daemon

release "$opener"
summary=$(run_once)
[[ "$summary" == "1 object, 1 orphan, 1 reaped" ]] || fail "summary once closed: $summary"
assert_absent /dev/shm/held "the process holding it exited"
pass "a file only held open is kept; it goes once closed"
