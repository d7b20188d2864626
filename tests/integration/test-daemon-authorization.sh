#!/bin/bash
# Anyone may query; only root and AdminGroup members may Scan, Reload and Simulate. An
# unprivileged client (another uid, via setpriv) gets PermissionDenied for those.
source "$(dirname "$0")/lib.sh"

nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }
policy <<'P'
[Daemon]
ScanIntervalSec=1h
[Rule leaks]
MinIdleSec=0
Action=report
P
echo "[Rule x]" >"$TMP/candidate.conf"
chmod 644 "$TMP/candidate.conf"
id=$(create shm)
start_daemon

for cmd in status list history metrics "explain shm $id"; do
        nobody "$IPCREAPCTL" --socket "$SOCKET" --no-pager $cmd >/dev/null ||
                fail "nobody could not run '$cmd'"
done
for cmd in scan reload "simulate $TMP/candidate.conf"; do
        status=0
        nobody "$IPCREAPCTL" --socket "$SOCKET" $cmd >/dev/null 2>"$TMP/err" || status=$?
        [ "$status" = 1 ] || fail "'$cmd' as nobody exited $status"
        grep -q "permission denied: '${cmd%% *}' needs root or membership in the AdminGroup" \
                "$TMP/err" || fail "'$cmd': $(cat "$TMP/err")"
done
nobody "$PROBE" call "$SOCKET" '{"method":"io.ipcreap.Reaper.Scan"}' |
        jq -e '.error == "io.ipcreap.Reaper.PermissionDenied"' >/dev/null || fail "error name"

# Members of AdminGroup may.
policy <<'P'
[Daemon]
ScanIntervalSec=1h
AdminGroup=nogroup
[Rule leaks]
MinIdleSec=0
Action=report
P
ctl reload >/dev/null
nobody "$IPCREAPCTL" --socket "$SOCKET" scan >/dev/null || fail "AdminGroup member refused"
setpriv --reuid=nobody --regid=daemon --groups=nogroup "$IPCREAPCTL" --socket "$SOCKET" \
        reload >/dev/null || fail "supplementary AdminGroup member refused"
stop_daemon
pass "queries for all, mutations for root and AdminGroup"
