#!/bin/bash
# Containers come and go while passes run back to back under a rule that reaps their
# orphans: each is killed at a random moment, often right after its objects were made, so
# that namespaces vanish between discovery, reading, judging and removal. A vanished
# namespace is skipped quietly: no pass fails, no removal is counted as failed, nothing is
# logged at warning level or above, the daemon keeps answering, and the containers that
# stay get their orphans removed.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/namespace-lib.sh"

policy <<'P'
[Daemon]
ScanIntervalSec=1
MaxReapsPerScan=0
[Rule containers]
Namespace=*
MinIdleSec=0
P
# Only warnings and errors reach the log: it must stay empty.
start_daemon --log-level warning

# ns_leak PID: one to three leaked objects of random kinds in PID's namespace.
ns_leak() {
        local i id
        for ((i = 0; i <= RANDOM % 3; i++)); do
                case $((RANDOM % 3)) in
                0) ns_create "$1" private >/dev/null ;;
                1)
                        id=$(in_ns "$1" "$HELPER" sem-create private 2)
                        in_ns "$1" "$HELPER" sem-touch "$id"
                        ;;
                2)
                        id=$(in_ns "$1" "$HELPER" msg-create private)
                        in_ns "$1" "$HELPER" msg-touch "$id"
                        ;;
                esac
        done 2>/dev/null || true # The container may be killed under it.
}

# Passes back to back, each reply kept, until told to stop.
(
        set +e
        while [ ! -e "$TMP/stop" ]; do
                ctl --json scan >>"$TMP/scans.json" 2>>"$TMP/scan-errors" ||
                        echo "ctl scan exited $?" >>"$TMP/scan-errors"
        done
) &
scanner=$!
BACKGROUND+=("$scanner")

survivors=()
made=0
end=$((SECONDS + 12))
while [ $SECONDS -lt $end ]; do
        container
        made=$((made + 1))
        # A killer that strikes at a random moment, from at once to 0.3 s, while the
        # objects are being made or after.
        if [ $((RANDOM % 5)) = 0 ] && [ ${#survivors[@]} -lt 6 ]; then
                survivors+=("$C_PID")
                ns_leak "$C_PID"
                continue
        fi
        (sleep "0.$(printf '%03d' $((RANDOM % 300)))"; kill "$C_PID") 2>/dev/null &
        ns_leak "$C_PID"
        wait $! 2>/dev/null || true
        wait "$C_PID" 2>/dev/null || true
        if [ $((made % 10)) = 0 ]; then
                timeout 5 "$IPCREAPCTL" --socket "$SOCKET" --json status >/dev/null ||
                        fail "the daemon did not answer GetStatus within 5 s while containers churned"
        fi
done
touch "$TMP/stop"
wait "$scanner"
[ ${#survivors[@]} -gt 0 ] || fail "no container survived the churn ($made made)"

ctl scan >/dev/null
for box in "${survivors[@]}"; do
        for kind in shm sem msg; do
                [ "$(ns_count "$box" "$kind")" = 0 ] || fail "$kind left in ipc-$(stat -L -c %i \
                        "/proc/$box/ns/ipc"): $(in_ns "$box" cat "/proc/sysvipc/$kind")"
        done
done
[ ! -s "$TMP/scan-errors" ] || fail "a pass failed: $(sort "$TMP/scan-errors" | uniq -c)"
passes=$(jq -s 'length' "$TMP/scans.json")
[ "$passes" -ge 20 ] || fail "only $passes passes ran while containers churned"
jq -se 'all(.[]; .failed == 0)' "$TMP/scans.json" >/dev/null ||
        fail "removals failed: $(jq -sc '[.[] | select(.failed > 0)]' "$TMP/scans.json")"
status=$(ctl --json status)
jq -e '.lastScan.failed == 0' <<<"$status" >/dev/null || fail "status: $status"
reaped=$(jq '.reapedTotal' <<<"$status")
[ "$reaped" -gt 0 ] || fail "nothing was reaped: $status"
stop_daemon
[ ! -s "$TMP/daemon.log" ] || fail "the daemon logged warnings or errors: $(cat "$TMP/daemon.log")"
pass "$made containers came and went during $passes passes ($reaped reaped): no failure, no warning"
