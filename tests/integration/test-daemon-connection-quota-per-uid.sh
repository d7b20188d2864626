#!/bin/bash
# One uid holds at most 32 connections: its 33rd is refused with the named error
# io.ipcreap.Reaper.TooManyConnections (and ipcreapctl says so plainly, exit status 1),
# while another uid is served. Also: status prints the kernel's no-limit sentinels as
# "unlimited", and ipcreapctl gives up on a daemon that does not answer (exit status 3).
source "$(dirname "$0")/lib.sh"

policy <<'P'
[Daemon]
ScanIntervalSec=1h
P
start_daemon
as() {
        local uid=$1
        shift
        setpriv --reuid="$uid" --regid="$uid" --clear-groups "$@"
}

spawn holder as 60001 "$PROBE" hold "$SOCKET" 32 8
wait_for_line "$TMP/holder.out" "open"
grep -q "^32 open, 0 refused" "$TMP/holder.out" || fail "32 connections of one uid: $(cat "$TMP/holder.out")"

# The 33rd: a raw Varlink client sees the error and its parameters.
reply=$(as 60001 "$PROBE" call "$SOCKET" '{"method":"io.ipcreap.Reaper.GetStatus"}') ||
        fail "the 33rd connection got no reply"
jq -e '.error == "io.ipcreap.Reaper.TooManyConnections" and .parameters.scope == "user" and
       .parameters.limit == 32' <<<"$reply" >/dev/null || fail "the 33rd connection: $reply"
# ipcreapctl says what happened, in one line, with "the daemon said no".
status=0
as 60001 "$IPCREAPCTL" --socket "$SOCKET" status >/dev/null 2>"$TMP/refused.err" || status=$?
[ "$status" = 1 ] || fail "ipcreapctl exited with $status when refused, not 1"
[ "$(wc -l <"$TMP/refused.err")" = 1 ] && grep -q "uid 60001 already has 32 connections open (TooManyConnections)" "$TMP/refused.err" ||
        fail "ipcreapctl's message: $(cat "$TMP/refused.err")"
# Another uid, and root, are served meanwhile.
as 60002 "$IPCREAPCTL" --socket "$SOCKET" --json status | jq -e '.version' >/dev/null ||
        fail "another uid was not served"
ctl status >"$TMP/status.out" || fail "root was not served"
pass "the 33rd connection of a uid is refused with TooManyConnections; others are served"

# A fresh IPC namespace has the kernel's defaults: shmall and shmmax are ULONG_MAX - 2^24.
grep -Eq "shmall +[0-9]+/unlimited$" "$TMP/status.out" ||
        fail "shmall is not shown as unlimited: $(grep -A5 Limits: "$TMP/status.out")"
! grep -q "9223372036854775807\|18446744073692774399" "$TMP/status.out" ||
        fail "a sentinel is printed as a number: $(cat "$TMP/status.out")"
grep -Eq "msgmni +[0-9]+/[0-9]+ \([0-9.]+%\)$" "$TMP/status.out" ||
        fail "a real limit lost its number: $(grep -A5 Limits: "$TMP/status.out")"
pass "kernel limits at their no-limit sentinels read 'unlimited'"
stop_daemon

# A socket that accepts nothing and answers nothing: ipcreapctl gives up after --timeout.
spawn mute "$PROBE" mute "$TMP/mute.sock" 30
wait_for_line "$TMP/mute.out" "listening"
start=$(date +%s%N)
status=0
"$IPCREAPCTL" --socket "$TMP/mute.sock" --timeout 1 status 2>"$TMP/timeout.err" || status=$?
ms=$((($(date +%s%N) - start) / 1000000))
[ "$status" = 3 ] || fail "ipcreapctl exited with $status on a mute daemon, not 3"
grep -q "no reply from ipcreapd at $TMP/mute.sock within 1 s" "$TMP/timeout.err" ||
        fail "timeout message: $(cat "$TMP/timeout.err")"
[ "$ms" -ge 900 ] && [ "$ms" -lt 5000 ] || fail "--timeout 1 gave up after $ms ms"
status=0
IPCREAPCTL_TIMEOUT=0.5 "$IPCREAPCTL" --socket "$TMP/mute.sock" status 2>"$TMP/timeout.err" || status=$?
[ "$status" = 3 ] && grep -q "within 0.5 s" "$TMP/timeout.err" ||
        fail "IPCREAPCTL_TIMEOUT=0.5: status $status, $(cat "$TMP/timeout.err")"
pass "ipcreapctl gives up on a daemon that does not answer (after $ms ms with --timeout 1)"
