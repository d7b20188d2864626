#!/bin/bash
# An attached segment is in use: never removed, even under a policy that asks for nothing
# (RequireDeadPids=no, MinIdleSec=0). Neither is one marked for destruction that is still
# attached. Once detached, the same policy removes it.
source "$(dirname "$0")/lib.sh"

policy <<'P'
[Rule everything]
MinIdleSec=0
RequireDeadPids=no
P
id=$(create shm 0x4001 4096)
spawn attach "$HELPER" shm-attach "$id"
attacher=$SPAWNED
wait_for_line "$TMP/attach.out" ready

summary=$(once)
assert_exists shm "$id" "attached"
[[ "$summary" == "1 object, 0 orphans, 0 reaped" ]] || fail "summary: $summary"

# ipcrm on an attached segment only marks it (SHM_DEST); the kernel frees it at detach.
marked=$(create shm 0x4002 4096)
spawn attach2 "$HELPER" shm-attach "$marked"
wait_for_line "$TMP/attach2.out" ready
ipcrm -m "$marked"
once >/dev/null
assert_exists shm "$marked" "marked for destruction but attached"

kill "$attacher"
wait "$attacher" 2>/dev/null || true
summary=$(once)
assert_gone shm "$id" "detached"
pass "attached segments survive any policy; detached, it goes"
