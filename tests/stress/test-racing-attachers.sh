#!/bin/bash
# Racing attachers never see their segment destroyed: unprivileged processes attach and
# detach segments in a tight loop while passes run back to back and remove them whenever
# they are idle. A removal may only ever happen between two attaches; an attach that meets
# the daemon's fence gets EACCES, which is fine. ATTACHES (default 210,000: enough to catch
# a 1-in-70,000 race with 95 % confidence; the default, 1,000,000, almost surely) successful
# attaches in all.
source "$(dirname "$0")/../integration/lib.sh"

ATTACHES=${ATTACHES:-1000000}
RACERS=4
RACER=$BUILD/helpers/attach-racer
NOBODY=(setpriv --reuid=nobody --regid=nogroup --clear-groups)

policy <<'P'
[Rule racers]
Key=0x7300-0x73ff
MinIdleSec=0
RequireDeadPids=no
P

pids=()
for ((i = 0; i < RACERS; i++)); do
        "${NOBODY[@]}" "$RACER" $((0x7300 + i)) $((ATTACHES / RACERS)) >"$TMP/racer.$i" 2>&1 &
        pids+=($!)
        BACKGROUND+=($!)
done

passes=0
start=$(date +%s)
while kill -0 "${pids[@]}" 2>/dev/null; do
        once >/dev/null || fail "a pass failed"
        passes=$((passes + 1))
done
lost=0
for ((i = 0; i < RACERS; i++)); do
        wait "${pids[$i]}" || true
        read -r _ attaches _ fenced _ gone _ l <"$TMP/racer.$i" ||
                fail "racer $i: $(cat "$TMP/racer.$i")"
        echo "racer $i: $(cat "$TMP/racer.$i")"
        lost=$((lost + l))
done
reaped=$(jq '[.reaped[].count] | add // 0' "$STATE/state.json")
echo "$passes passes in $(($(date +%s) - start)) s removed $reaped segments between attaches"
[ "$reaped" -gt 0 ] || fail "no pass removed anything: the race was never run"
[ "$lost" = 0 ] || fail "$lost attaches found their segment destroyed while attached"
pass "$ATTACHES racing attaches, none lost its segment"
