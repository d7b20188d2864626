#!/bin/bash
# Simulate judges today's objects under a candidate policy with the same evaluator, shows
# which would be treated differently, removes nothing, and refuses an invalid candidate
# with every error.
source "$(dirname "$0")/lib.sh"

policy <<'P'
[Daemon]
ScanIntervalSec=1h
[Rule keep-all]
Action=keep
P
leak=$(create shm 0x6161 8192)
other=$(create sem 0x6262 1)
start_daemon

cat >"$TMP/candidate.conf" <<'P'
[Rule reap-6161]
Key=0x6161
MinIdleSec=0
[Rule keep-rest]
Action=keep
P
out=$(ctl --json simulate "$TMP/candidate.conf")
jq -e --argjson id "$leak" '.objects == 2 and .wouldReap == 1 and (.changes | length) == 1 and
        .changes[0].id == $id and .changes[0].current.state == "protected" and
        .changes[0].current.rule == "keep-all" and .changes[0].simulated.state == "orphan" and
        .changes[0].simulated.rule == "reap-6161" and .counts.shm.orphan == 1 and
        .currentCounts.shm.protected == 1' <<<"$out" >/dev/null || fail "simulate: $out"
table=$(ctl simulate "$TMP/candidate.conf")
grep -q "2 objects, 1 would be reaped; 1 judged differently" <<<"$table" || fail "$table"
grep -Eq "^shm +$leak 0x00006161 root +8K .* protected/keep-all +orphan/reap-6161" <<<"$table" ||
        fail "simulate table: $table"
assert_exists shm "$leak" "Simulate removes nothing"
assert_exists sem "$other"
ctl scan >/dev/null
assert_exists shm "$leak" "the running policy still keeps it"

printf '[Rule bad]\nMinIdleSec=soon\nColour=blue\n' >"$TMP/broken.conf"
status=0
ctl simulate "$TMP/broken.conf" 2>"$TMP/err" || status=$?
[ "$status" = 1 ] || fail "an invalid candidate: exit $status"
grep -q '^(simulated policy):2: MinIdleSec=: invalid time span "soon"' "$TMP/err" || fail "$(cat "$TMP/err")"
grep -q '^(simulated policy):3: unknown key "Colour"' "$TMP/err" || fail "$(cat "$TMP/err")"
status=0
ctl simulate "$TMP/missing.conf" 2>"$TMP/err" || status=$?
[ "$status" = 2 ] && grep -q "cannot read $TMP/missing.conf" "$TMP/err" || fail "missing file: $status"
stop_daemon
pass "Simulate shows what a candidate would change and touches nothing"
