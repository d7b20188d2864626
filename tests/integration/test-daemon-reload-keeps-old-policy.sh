#!/bin/bash
# Reload (the method) and SIGHUP with a broken policy keep the old policy in force and
# report every error; a valid one is swapped in.
source "$(dirname "$0")/lib.sh"

policy <<'P'
[Daemon]
ScanIntervalSec=1h
[Rule keep-all]
Action=keep
P
id=$(create shm)
start_daemon
rule() { ctl --json explain shm "$id" | jq -r .rule; }
[ "$(rule)" = keep-all ] || fail "initial rule"

policy <<'P'
[Rule reap-all]
MinIdleSec=0
Acton=reap
[Rule worse]
Kind=pipes
P
status=0
ctl reload 2>"$TMP/err" || status=$?
[ "$status" = 1 ] || fail "reload of a broken policy exited $status"
grep -q "$POLICY:3: unknown key \"Acton\"" "$TMP/err" || fail "$(cat "$TMP/err")"
grep -q "$POLICY:5: Kind=: unknown kind \"pipes\"" "$TMP/err" || fail "$(cat "$TMP/err")"
grep -q "the daemon keeps running the old one" "$TMP/err" || fail "$(cat "$TMP/err")"
ctl --json reload 2>/dev/null && fail "--json reload should fail too"
ctl scan >/dev/null
assert_exists shm "$id" "the old keep policy is still in force"
[ "$(rule)" = keep-all ] || fail "rule after failed reload"

kill -HUP "$DAEMON_PID"
sleep 0.3
kill -0 "$DAEMON_PID" || fail "SIGHUP with a broken policy killed the daemon"
grep -q "is invalid (2 errors), keeping the running policy" "$TMP/daemon.log" ||
        fail "SIGHUP rejection not logged"
ctl scan >/dev/null
assert_exists shm "$id" "still the old policy after SIGHUP"

[ "$(ctl --json status | jq .scanIntervalSec)" = 3600 ] || fail "status before the reload"
policy <<'P'
[Daemon]
ScanIntervalSec=2h
[Rule reap-all]
MinIdleSec=0
P
kill -HUP "$DAEMON_PID"
wait_until 5 sh -c "grep -q 'Reloaded policy' '$TMP/daemon.log'" || fail "SIGHUP reload"
[ "$(ctl --json status | jq .scanIntervalSec)" = 7200 ] || fail "status shows the old policy"
ctl scan >/dev/null
assert_gone shm "$id" "the new policy took over"
stop_daemon
pass "broken reloads keep the old policy; good ones apply"
