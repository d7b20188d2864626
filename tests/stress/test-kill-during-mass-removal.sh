#!/bin/bash
# SIGKILL at random moments during mass removal loses no removal record, counts none twice,
# and leaves no object fenced (mode 0) once the daemon has started again. ROUNDS rounds of
# 500 orphan segments each: the daemon starts, is killed somewhere in its pass, and a restart
# settles what was under way; a last daemon removes what is left. Then History holds every
# segment exactly once, the counter agrees, and the attached segments are untouched.
source "$(dirname "$0")/../integration/lib.sh"

ROUNDS=${ROUNDS:-100}
PER_ROUND=500

policy <<'P'
[Daemon]
ScanIntervalSec=1
MaxReapsPerScan=0
HistorySize=100000

[Rule all]
Key=0x100000-0x7fffffff
MinIdleSec=0
RequireDeadPids=no
P

# Room for every round's segments should early kills leave them all (this namespace only).
echo 32768 >/proc/sys/kernel/shmmni

# Attached segments in the same key range must survive every round.
spawn live "$HELPER" --hold shm-create 0x7ffffff0 4096
wait_for_line "$TMP/live.out" ready
live=$(head -n1 "$TMP/live.out")
spawn attacher "$HELPER" shm-attach "$live"
wait_until 5 awk -v id="$live" 'NR > 1 && $2 == id && $7 >= 1 { f = 1 } END { exit !f }' \
        /proc/sysvipc/shm || fail "the live segment was not attached"

fenced_objects() {
        awk 'NR > 1 && $3 == "0" { n++ } END { print n + 0 }' /proc/sysvipc/shm
}

killed_mid_pass=0 killed_fenced=0
for ((round = 0; round < ROUNDS; round++)); do
        "$HELPER" shm-create-many $((0x100000 + round * PER_ROUND)) $PER_ROUND ||
                fail "round $round: $(count_objects shm) segments exist already"
        "$IPCREAPD" --config "$POLICY" --state-dir "$STATE" --socket "$SOCKET" \
                >>"$TMP/daemon.log" 2>&1 &
        DAEMON_PID=$!
        # Once the pass has written its intents, at a random moment of the removals (or, one
        # round in eight, at a random moment of its start).
        if ((RANDOM % 8)); then
                for ((spin = 0; spin < 200000; spin++)); do
                        [ -s "$STATE/removals.log" ] && break
                done
                sleep "$(printf '0.%03d' $((RANDOM % 12)))"
        else
                sleep "$(printf '0.%03d' $((RANDOM % 40 + 1)))"
        fi
        kill -KILL "$DAEMON_PID"
        wait "$DAEMON_PID" 2>/dev/null || true
        DAEMON_PID=
        # Intents in the log that no save covers yet: killed in the middle of removing.
        [ -s "$STATE/removals.log" ] && killed_mid_pass=$((killed_mid_pass + 1))
        if [ "$(fenced_objects)" != 0 ]; then
                killed_fenced=$((killed_fenced + 1))
                # A start settles the removals under way: no object stays fenced.
                once --dry-run >/dev/null || fail "round $round: the restart failed"
                [ "$(fenced_objects)" = 0 ] ||
                        fail "round $round: $(fenced_objects) objects still fenced"
        fi
        # Kills early in ever longer passes pile segments up: drain now and then.
        [ "$(count_objects shm)" -lt 8000 ] || once >/dev/null
done

# A last daemon, not killed, removes what is left.
summary=$(once)
total=$((ROUNDS * PER_ROUND))
left=$(awk 'NR > 1 && $1 >= 1048576 && $1 < 2147483632' /proc/sysvipc/shm | wc -l)
[ "$left" = 0 ] || fail "$left orphans left after the last pass ($summary)"
assert_exists shm "$live" "it is attached"

history=$(jq '.history | length' "$STATE/state.json")
distinct=$(jq '[.history[].key] | unique | length' "$STATE/state.json")
counted=$(jq '[.reaped[].count] | add // 0' "$STATE/state.json")
echo "$ROUNDS rounds: $killed_mid_pass killed while removing, $killed_fenced of them with" \
        "objects fenced; $total removed," \
        "history $history ($distinct distinct), counted $counted"
[ "$history" = "$total" ] || fail "history has $history removals of $total"
[ "$distinct" = "$total" ] || fail "history counts $((history - distinct)) removals twice"
[ "$counted" = "$total" ] || fail "the counter says $counted of $total"
pass "$ROUNDS kills during mass removal: no record lost or doubled, nothing left fenced"
