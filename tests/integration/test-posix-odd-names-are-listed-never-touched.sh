#!/bin/bash
# Anybody can name a file in /dev/shm: a name that is not UTF-8 or holds a newline is shown
# escaped (JSON carries only UTF-8), never matched and never touched, and it breaks neither
# List nor the state file, while an ordinary orphan beside it is removed in the same pass.
TEST_PID_NAMESPACE=1
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/posix-lib.sh"

policy <<'P'
[Rule everything]
Kind=all
MinIdleSec=0
RequireDeadPids=no
P
odd1=$'bad\xffname'
odd2=$'new\nline'
for f in "$odd1" "$odd2"; do
        head -c 4096 /dev/zero >"/dev/shm/$f"
        chown "$NOBODY_UID:$NOBODY_UID" "/dev/shm/$f"
done
shm_orphan plain

run_once >/dev/null
[ -e "/dev/shm/$odd1" ] && [ -e "/dev/shm/$odd2" ] || fail "a file with an odd name was removed"
[ ! -e /dev/shm/plain ] || fail "the ordinary orphan beside them was not removed"
jq -e . "$STATE/state.json" >/dev/null || fail "state.json is not valid JSON"

start_daemon
names=$(ctl --json list --kind posix-shm | jq -r '.objects[] | "\(.name) \(.state)"' | sort)
[ "$names" = $'bad\\xffname unmatched\nnew\\x0aline unmatched' ] || fail "listed as: $names"
ctl explain posix-shm 'new\x0aline' | grep -q "State: unmatched" ||
        fail "explain by the escaped name: $(ctl explain posix-shm 'new\x0aline' 2>&1)"
ctl scan >/dev/null || fail "a scan failed"
stop_daemon
[ -e "/dev/shm/$odd1" ] && [ -e "/dev/shm/$odd2" ] || fail "a file with an odd name was removed"
pass "odd names listed escaped and unmatched, never touched; the plain orphan removed"
