#!/bin/bash
# POSIX kinds are opt-in: a rule without Kind= (the System V kinds) never touches POSIX
# objects, which it leaves unmatched. Name= selects by glob on the object's name (a
# semaphore's without its "sem." prefix), only for the kinds the rule names, and a rule
# with Name= never matches a System V object even under Kind=all.
TEST_PID_NAMESPACE=1
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/posix-lib.sh"

shm_orphan foo1
shm_orphan xfoo
shm_orphan bar.x
shm_orphan barx.y
sem_orphan foo2
mq_orphan foo3
mq_orphan other
all_posix=(/dev/shm/foo1 /dev/shm/xfoo /dev/shm/bar.x /dev/shm/barx.y /dev/shm/sem.foo2
        /dev/mqueue/foo3 /dev/mqueue/other)

# 1. No Kind=: the System V orphan goes, no POSIX object is touched.
policy <<'P'
[Daemon]
ScanIntervalSec=1h
[Rule no-kind]
MinIdleSec=0
RequireDeadPids=yes
P
sysv=$(create shm)
summary=$(run_once)
[[ "$summary" == *" 1 orphan, 1 reaped" ]] || fail "summary without Kind=: $summary"
assert_gone shm "$sysv" "the System V orphan under a rule without Kind="
for f in "${all_posix[@]}"; do assert_present "$f" "a rule without Kind= matched it"; done
for f in "${all_posix[@]}"; do [ "$(stat -c %a "$f")" = 600 ] || fail "$f was fenced"; done
start_daemon
assert_posix_state posix-shm foo1 unmatched
assert_posix_state posix-sem foo2 unmatched
assert_posix_state posix-mq foo3 unmatched
stop_daemon

# 2. Kind=posix-shm Name=foo*: only shared memory named foo*.
policy <<'P'
[Rule named-shm]
Kind=posix-shm
Name=foo*
MinIdleSec=0
RequireDeadPids=yes
P
summary=$(run_once)
[[ "$summary" == *" 1 orphan, 1 reaped" ]] || fail "summary with Kind=posix-shm Name=foo*: $summary"
assert_absent /dev/shm/foo1 "Name=foo* under Kind=posix-shm"
for f in /dev/shm/xfoo /dev/shm/bar.x /dev/shm/barx.y /dev/shm/sem.foo2 /dev/mqueue/foo3 \
        /dev/mqueue/other; do
        assert_present "$f" "not named by Name=foo* or not posix-shm"
done

# 3. Kind=all Name=foo* bar.?: the semaphore and queue named foo*, bar.x; never System V.
policy <<'P'
[Rule named-all]
Kind=all
Name=foo* bar.?
MinIdleSec=0
RequireDeadPids=yes
P
sysv=$(create shm)
summary=$(run_once)
[[ "$summary" == *" 3 orphans, 3 reaped" ]] || fail "summary with Kind=all Name=: $summary"
assert_absent /dev/shm/sem.foo2 "semaphore foo2 matches Name=foo*"
assert_absent /dev/mqueue/foo3 "queue foo3 matches Name=foo*"
assert_absent /dev/shm/bar.x "bar.x matches Name=bar.?"
for f in /dev/shm/xfoo /dev/shm/barx.y /dev/mqueue/other; do
        assert_present "$f" "not matched by Name=foo* bar.?"
done
assert_exists shm "$sysv" "a rule with Name= never matches a System V object"
pass "a rule without Kind= leaves POSIX objects alone; Name= selects"
