#!/bin/bash
# Reloads, queries and removals while passes run: the pass keeps the policy it started
# with, the next one takes the new one, StateDirectory= stays the one the daemon started
# with, and every client is answered. Under ThreadSanitizer (make tsan-check) this is the
# test that puts the event loop and the scan worker at work on the same state at once.
source "$(dirname "$0")/lib.sh"

write_policy() { # write_policy ACTION STATE_DIRECTORY
        policy <<P
[Daemon]
ScanIntervalSec=1h
StateDirectory=$2
HistorySize=$3
[Rule leaks]
Key=0x6000-0x6fff
MinIdleSec=0
Action=$1
[Rule others]
MinIdleSec=0
Action=report
P
}
sysctl -q -w kernel.shmmni=8192
perl -e 'for (1 .. 2000) { defined shmget(0, 4096, 0644 | 01000) or die "shmget: $!\n" }'
write_policy report "$STATE" 100
start_daemon

for round in $(seq 1 12); do
        # Leaks the reap rule takes once the reload says reap.
        for k in 1 2 3; do create shm "$(printf '0x6%03x' $((round * 4 + k)))" >/dev/null; done
        ctl scan >/dev/null &
        scan=$!
        if ((round % 2)); then
                write_policy reap "$TMP/elsewhere" $((50 + round))
        else
                write_policy report "$TMP/elsewhere" $((100 - round))
        fi
        ctl reload >/dev/null || fail "reload $round"
        ctl --json list --kind shm | jq -e '.objects | length >= 2000' >/dev/null ||
                fail "list during pass $round"
        ctl --json history >/dev/null || fail "history during pass $round"
        ctl metrics >/dev/null || fail "metrics during pass $round"
        wait "$scan" || fail "scan $round"
done
write_policy reap "$TMP/elsewhere" 100
ctl reload >/dev/null
ctl scan >/dev/null
[ "$(ctl --json list --kind shm | jq '[.objects[] | select(.key >= 24576 and .key < 28672)] | length')" = 0 ] ||
        fail "leaks left after the reap policy: $(ctl list --kind shm | grep -c 0x00006)"
ctl --json history | jq -e '.events | length > 0' >/dev/null || fail "no removal recorded"
stop_daemon
# The state went where the daemon started with, never to the reloaded StateDirectory=.
[ -s "$STATE/state.json" ] || fail "no state.json in the starting state directory"
[ ! -e "$TMP/elsewhere" ] || fail "the reloaded StateDirectory= was used before a restart"
pass "reloads during passes: old pass keeps its policy, state stays where it started"
