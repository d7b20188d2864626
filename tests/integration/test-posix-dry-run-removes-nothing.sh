#!/bin/bash
# A dry run, by --dry-run or DryRun=yes, reports the POSIX orphans it would remove, by
# name, and removes nothing, not even for a moment: no mode is changed (no fence).
TEST_PID_NAMESPACE=1
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/posix-lib.sh"

policy <<'P'
[Rule posix-leaks]
Kind=posix-shm posix-sem posix-mq
MinIdleSec=0
RequireDeadPids=yes
P
shm_orphan shm-leak
sem_orphan sem-leak
mq_orphan mq-leak
files=(/dev/shm/shm-leak /dev/shm/sem.sem-leak /dev/mqueue/mq-leak)
before=$(stat -c '%n %a %i %Z' "${files[@]}")

summary=$(run_once --dry-run)
[[ "$summary" == "3 objects, 3 orphans, 3 would be reaped (dry run)" ]] || fail "summary: $summary"
for f in "${files[@]}"; do assert_present "$f" "dry run"; done
[ "$(stat -c '%n %a %i %Z' "${files[@]}")" = "$before" ] || fail "a dry run changed a file:
$before
$(stat -c '%n %a %i %Z' "${files[@]}")"
for o in "posix-shm shm-leak" "posix-sem sem-leak" "posix-mq mq-leak"; do
        grep -q "Would remove (dry run) $o\b" "$TMP/once.log" ||
                fail "no would-remove line for $o: $(cat "$TMP/once.log")"
done

policy <<'P'
[Daemon]
DryRun=yes
[Rule posix-leaks]
Kind=posix-shm posix-sem posix-mq
MinIdleSec=0
RequireDeadPids=yes
P
summary=$(run_once)
[[ "$summary" == *"3 would be reaped (dry run)" ]] || fail "summary with DryRun=yes: $summary"
[ "$(stat -c '%n %a %i %Z' "${files[@]}")" = "$before" ] || fail "DryRun=yes changed a file"

# The same policy, for real: they were orphans indeed.
sed -i /DryRun/d "$POLICY"
summary=$(run_once)
[[ "$summary" == "3 objects, 3 orphans, 3 reaped" ]] || fail "summary for real: $summary"
for f in "${files[@]}"; do assert_absent "$f" "not a dry run"; done
pass "dry runs report POSIX orphans and touch nothing"
