#!/bin/bash
# POSIX shared memory left by a process that exited, owned by a uid no process runs as, is
# an orphan under a rule that names the POSIX kinds: one pass removes it (a name with spaces
# too), and the daemon's History and List say so by name.
TEST_PID_NAMESPACE=1
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/posix-lib.sh"

policy <<'P'
[Rule posix-leaks]
Kind=posix-shm posix-sem posix-mq
MinIdleSec=0
RequireDeadPids=yes
P
shm_orphan leak 65536
shm_orphan "odd name with spaces" 4096
summary=$(run_once)
[[ "$summary" == "2 objects, 2 orphans, 2 reaped" ]] || fail "summary: $summary"
assert_absent /dev/shm/leak "its creator exited and no process runs as its owner"
assert_absent "/dev/shm/odd name with spaces" "a name with spaces"

# Through the daemon: the first pass removes it, History names it.
policy <<'P'
[Daemon]
ScanIntervalSec=1h
[Rule posix-leaks]
Kind=posix-shm posix-sem posix-mq
MinIdleSec=0
RequireDeadPids=yes
P
shm_orphan later 8192
start_daemon
assert_absent /dev/shm/later "the daemon's first pass"
ctl --json history | jq -e '[.events[] | select(.kind == "posix-shm" and .name == "later")]
        | length == 1 and .[0].ownerUid == 4242 and .[0].size == 8192' >/dev/null ||
        fail "History: $(ctl --json history)"
[ "$(ctl --json list --kind posix-shm | jq '.objects | length')" = 0 ] ||
        fail "List still shows objects: $(ctl --json list --kind posix-shm)"
stop_daemon
pass "orphaned POSIX shared memory is removed and recorded by name ($summary)"
