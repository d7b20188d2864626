#!/bin/bash
# Right after start, before the first pass has ended, List, Explain and Metrics never answer
# as if there were no objects: they wait for the pass (or say NotReady), whatever the moment
# a client asks. The objects are many, so that the first pass takes a while.
source "$(dirname "$0")/lib.sh"

N=3000
policy <<'P'
[Daemon]
ScanIntervalSec=1h
[Rule report]
MinIdleSec=0
Action=report
P
# One process makes them all (perl's shmget is a builtin; 01000 is IPC_CREAT).
perl -e 'for (1 .. $ARGV[0]) { defined shmget(0, 4096, 0644 | 01000) or die "shmget: $!\n" }' "$N"
[ "$(count_objects shm)" = "$N" ] || fail "made $(count_objects shm) segments, not $N"

# ask NAME CMD...: runs the query from the moment the daemon starts until it answers; every
# answer must be the full one or NotReady, and never "nothing there".
ask() {
        local name=$1 status tries=0 out
        shift
        "$IPCREAPD" --config "$POLICY" --state-dir "$STATE" --socket "$SOCKET" \
                >>"$TMP/daemon.log" 2>&1 &
        DAEMON_PID=$!
        while :; do
                tries=$((tries + 1))
                [ "$tries" -le 2000 ] || fail "$name: no answer after $tries tries"
                status=0
                out=$("$@" 2>"$TMP/err") || status=$?
                case $status in
                0) break ;;
                3) continue ;; # not listening yet
                1) grep -q "NotReady" "$TMP/err" || fail "$name: $(cat "$TMP/err")" ;;
                *) fail "$name exited $status: $(cat "$TMP/err")" ;;
                esac
        done
        ANSWER=$out
        stop_daemon
}

ask list ctl --json list --kind shm
n=$(jq '.objects | length' <<<"$ANSWER")
[ "$n" = "$N" ] || fail "the first List answered $n objects of $N"

ask "list (table)" ctl list --kind shm
grep -q "^$N objects listed" <<<"$ANSWER" || fail "the first table: $(tail -n 2 <<<"$ANSWER")"

ask explain ctl --json explain shm 0
jq -e '.object.id == 0 and .state == "orphan"' <<<"$ANSWER" >/dev/null ||
        fail "the first Explain: $ANSWER"

ask metrics ctl metrics
grep -q "^ipcreap_objects{namespace=\"host\",kind=\"shm\",state=\"orphan\"} $N$" <<<"$ANSWER" ||
        fail "the first Metrics: $(grep '^ipcreap_objects' <<<"$ANSWER")"

# History comes from the saved state, not from a pass: it never waits.
pass "queries wait for the first pass instead of answering an empty snapshot"
