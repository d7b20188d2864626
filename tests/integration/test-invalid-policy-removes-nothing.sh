#!/bin/bash
# An invalid policy removes nothing: --once and the daemon exit non-zero naming FILE:LINE,
# and --check-config lists every error.
source "$(dirname "$0")/lib.sh"

policy <<'P'
[Rule leaks]
MinIdleSec=0
Acton=reap
[Rule other]
MinIdleSec=5 parsecs
P
id=$(create shm)
status=0
"$IPCREAPD" --once --config "$POLICY" --state-dir "$STATE" >"$TMP/out" 2>"$TMP/err" || status=$?
[ "$status" = 1 ] || fail "--once exited $status"
assert_exists shm "$id" "the policy is invalid"
grep -q "$POLICY:3: unknown key \"Acton\" in \[Rule\]" "$TMP/err" || fail "$(cat "$TMP/err")"
grep -q "$POLICY:5: MinIdleSec=: invalid time span \"5 parsecs\"" "$TMP/err" || fail "$(cat "$TMP/err")"

status=0
"$IPCREAPD" --check-config --config "$POLICY" >"$TMP/out" 2>"$TMP/err" || status=$?
[ "$status" = 1 ] || fail "--check-config exited $status"
[ "$(wc -l <"$TMP/err")" = 2 ] || fail "expected both errors: $(cat "$TMP/err")"

status=0
timeout 10 "$IPCREAPD" --config "$POLICY" --socket "$SOCKET" --state-dir "$STATE" \
        >"$TMP/out" 2>"$TMP/err" || status=$?
[ "$status" = 1 ] || fail "the daemon exited $status on an invalid policy"
assert_exists shm "$id" "the daemon refused to start"

status=0
"$IPCREAPD" --once --config "$TMP/missing.conf" 2>"$TMP/err" || status=$?
[ "$status" = 1 ] || fail "a missing policy file: exit $status"
grep -q "$TMP/missing.conf:0: cannot open: No such file or directory" "$TMP/err" ||
        fail "$(cat "$TMP/err")"
pass "an invalid policy removes nothing"
