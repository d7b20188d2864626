#!/bin/bash
# SIGKILL at random moments while the daemon quarantines 500 orphans: after each restart every
# object is in the kernel (with its mode: nothing left fenced) or completely in the store,
# never neither, and none is both in the kernel and kept in the store or recorded as removed.
# ROUNDS rounds (10 here; tests/stress runs 50); a last pass quarantines what is left, and
# then History holds every segment once, each with the quarantine id of its complete entry.
source "$(dirname "$0")/lib.sh"

ROUNDS=${ROUNDS:-10}
PER_ROUND=500

policy <<'P'
[Daemon]
ScanIntervalSec=1
MaxReapsPerScan=0
HistorySize=100000
QuarantineMaxBytes=1G

[Rule all]
Key=0x100000-0x7fffffff
MinIdleSec=0
RequireDeadPids=no
Quarantine=yes
P
echo 32768 >/proc/sys/kernel/shmmni

# "key" of every entry, one per line: a start (once) has removed the incomplete ones, and
# an entry whose contents are missing would fail to parse its "size" check there too.
stored_keys() {
        find "$STATE/quarantine" -name 'q*.json' -print0 | xargs -0 -r jq -r '.key' | sort -n
}

kernel_keys() {
        awk 'NR > 1 && $1 >= 1048576 && $1 < 2147483632 { print $1 }' /proc/sysvipc/shm | sort -n
}

killed_copying=0 killed_among_copies=0
for ((round = 0; round < ROUNDS; round++)); do
        stored_before=$(compgen -G "$STATE/quarantine/q*.data" | wc -l || true)
        first=$((0x100000 + round * PER_ROUND))
        "$HELPER" shm-create-many "$first" $PER_ROUND || fail "round $round: cannot create"
        "$IPCREAPD" --config "$POLICY" --state-dir "$STATE" --socket "$SOCKET" \
                >>"$TMP/daemon.log" 2>&1 &
        DAEMON_PID=$!
        if ((RANDOM % 8)); then
                for ((spin = 0; spin < 200000; spin++)); do
                        [ -s "$STATE/removals.log" ] && break
                done
                # Half the time, aim at the copies themselves: once the first one is
                # being written (the fence and the grace period come before it).
                if ((RANDOM % 2)); then
                        for ((spin = 0; spin < 100000; spin++)); do
                                compgen -G "$STATE/quarantine/q*.data" >/dev/null && break
                        done
                fi
                sleep "$(printf '0.%03d' $((RANDOM % 15)))"
        else
                sleep "$(printf '0.%03d' $((RANDOM % 40 + 1)))"
        fi
        # Copies of this round on disk, complete or not, as it dies.
        copies_before=$(compgen -G "$STATE/quarantine/q*.data" | wc -l || true)
        kill -KILL "$DAEMON_PID"
        wait "$DAEMON_PID" 2>/dev/null || true
        DAEMON_PID=
        [ -s "$STATE/removals.log" ] && killed_copying=$((killed_copying + 1))
        if [ "$copies_before" -gt "$stored_before" ]; then
                killed_among_copies=$((killed_among_copies + 1))
        fi
        # A start settles what was under way (and drops incomplete copies).
        once --dry-run >/dev/null || fail "round $round: the restart failed"
        fenced=$(awk 'NR > 1 && $3 == "0"' /proc/sysvipc/shm | wc -l)
        [ "$fenced" = 0 ] || fail "round $round: $fenced objects left fenced"
        k=$(kernel_keys) s=$(stored_keys)
        both=$(comm -12 <(echo "$k") <(echo "$s") | grep -c . || true)
        [ "$both" = 0 ] || fail "round $round: $both objects both in the kernel and the store"
        for ((key = first; key < first + PER_ROUND; key++)); do
                echo "$key"
        done >"$TMP/all"
        neither=$(comm -23 "$TMP/all" <(sort -n <(echo "$k") <(echo "$s")) | grep -c . || true)
        [ "$neither" = 0 ] || fail "round $round: $neither objects neither in the kernel nor the store"
        removed=$(jq -r '.history[].key' "$STATE/state.json" 2>/dev/null | sort -n)
        twice=$(comm -12 <(echo "$k") <(echo "$removed") | grep -c . || true)
        [ "$twice" = 0 ] || fail "round $round: $twice objects in the kernel recorded as removed"
        # What early kills left accumulates: every 50 rounds a whole pass quarantines it, so
        # that 100 rounds of 500 stay under shmmni (32,768).
        if (((round + 1) % 50 == 0)); then
                once >/dev/null || fail "round $round: the pass that empties the kernel failed"
        fi
done

once >/dev/null || fail "the last pass failed"
total=$((ROUNDS * PER_ROUND))
[ -z "$(kernel_keys)" ] || fail "$(kernel_keys | wc -l) orphans left after the last pass"
[ "$(stored_keys | wc -l)" = "$total" ] || fail "the store holds $(stored_keys | wc -l) of $total"
history=$(jq '[.history[] | select(.quarantineId != null)] | length' "$STATE/state.json")
distinct=$(jq '[.history[].key] | unique | length' "$STATE/state.json")
missing=0
for qid in $(jq -r '.history[].quarantineId' "$STATE/state.json"); do
        [ -e "$STATE/quarantine/$qid.json" ] || missing=$((missing + 1))
done
echo "$ROUNDS rounds: $killed_copying killed with removals in the log," \
        "$killed_among_copies after the round's copies had begun; $total quarantined," \
        "history $history ($distinct distinct), $missing without their entry"
[ "$history" = "$total" ] && [ "$distinct" = "$total" ] || fail "history: $history, $distinct"
[ "$missing" = 0 ] || fail "$missing removals name a quarantine entry that is not there"
pass "$ROUNDS kills while quarantining: every object in the kernel or the store, never neither"
