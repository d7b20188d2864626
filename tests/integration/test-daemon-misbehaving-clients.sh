#!/bin/bash
# Malformed JSON, a request over 64 KiB, a client stalling mid-request and 200 clients at
# once: each is handled (error reply or drop) and the daemon still answers the next client.
source "$(dirname "$0")/lib.sh"

policy <<'P'
[Daemon]
ScanIntervalSec=1h
P
start_daemon
answers() { ctl --json status | jq -e '.version' >/dev/null || fail "no answer after $1"; }

out=$("$PROBE" raw "$SOCKET" '{"method": "io.ipcreap.Reaper.GetStatus", oops}') ||
        fail "malformed JSON: the connection was not closed"
jq -e '.error == "org.varlink.service.InvalidParameter"' <<<"$out" >/dev/null ||
        fail "malformed JSON: $out"
answers "malformed JSON"
"$PROBE" raw "$SOCKET" '[1, 2, 3]' | jq -e '.error' >/dev/null || fail "not an object"
answers "a JSON array"

"$PROBE" oversize "$SOCKET" $((100 * 1024)) >/dev/null || fail "a 100 KiB request was not dropped"
grep -q "request larger than 65536 bytes" "$TMP/daemon.log" || fail "oversize not logged"
answers "an oversized request"

# The stall and the crowd at the same time: one stuck client holds nobody up.
spawn stall "$PROBE" stall "$SOCKET"
staller=$SPAWNED
"$PROBE" many "$SOCKET" 200 || fail "not all of 200 concurrent clients were answered"
answers "200 clients"
wait "$staller" || fail "the stalled client was not dropped"
secs=$(cat "$TMP/stall.out")
awk -v s="$secs" 'BEGIN { exit !(s >= 9.5 && s <= 12) }' || fail "stall dropped after ${secs}s, not ~10 s"
answers "a stalled client"
stop_daemon
pass "bad clients are handled and the daemon keeps serving"
