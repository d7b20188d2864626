#!/bin/bash
# 300 connections from ten unprivileged uids, each sending one byte of a request every second
# (and reconnecting when dropped), cannot lock root out: the slots reserved for root and
# AdminGroup stay free, every request is dropped 10 s after its first byte however often its
# bytes come, and root's `ipcreapctl status` answers promptly throughout, as does a member of
# AdminGroup's.
source "$(dirname "$0")/lib.sh"

policy <<'P'
[Daemon]
ScanIntervalSec=1h
AdminGroup=adm
P
start_daemon

ATTACK_SEC=16
for uid in $(seq 60001 60010); do
        spawn "drip$uid" setpriv --reuid="$uid" --regid="$uid" --clear-groups \
                "$PROBE" drip "$SOCKET" 30 1 "$ATTACK_SEC"
done
# Let every attacker connect and start its requests; then ask as root, over and over,
# through the moment the first requests reach their deadline (10 s).
sleep 2
# A user outside AdminGroup finds the slots open to users taken, and is told so.
status=0
setpriv --reuid=60051 --regid=60051 --clear-groups "$IPCREAPCTL" --socket "$SOCKET" status \
        2>"$TMP/user.err" || status=$?
[ "$status" = 1 ] && grep -q "connections open to users are taken (TooManyConnections)" "$TMP/user.err" ||
        fail "a user during the attack: status $status, $(cat "$TMP/user.err")"
worst=0 total=0 n=0
for i in $(seq 1 12); do
        start=$(date +%s%N)
        ctl --timeout 5 status >"$TMP/status.out" 2>&1 ||
                fail "root's status failed under the drip attack: $(cat "$TMP/status.out")"
        ms=$((($(date +%s%N) - start) / 1000000))
        total=$((total + ms)) n=$((n + 1))
        [ "$ms" -gt "$worst" ] && worst=$ms
        # An AdminGroup member (by a supplementary group) gets a reserved slot too.
        setpriv --reuid=60050 --regid=60050 --groups=adm "$IPCREAPCTL" --socket "$SOCKET" \
                --timeout 5 --json status >"$TMP/admin.out" 2>&1 ||
                fail "an AdminGroup member's status failed under the drip attack: $(cat "$TMP/admin.out")"
        sleep 1
done
wait "${BACKGROUND[@]}"
echo "root's ipcreapctl status under the drip attack: $n answers, mean $((total / n)) ms, slowest $worst ms"
cat "$TMP"/drip*.out

[ "$worst" -lt 2000 ] || fail "root waited ${worst} ms for its status"
# The slots open to users were full (300 > 256 - 16): some attackers were refused, and told so.
refused=$(cat "$TMP"/drip*.out | awk '{ sub(",", "", $4); n += $4 } END { print n }')
[ "$refused" -gt 0 ] || fail "no attacker connection was refused"
grep -q "Refusing connections" "$TMP/daemon.log" || fail "the refusals were not logged"
# Requests trickled in are dropped at their absolute deadline, not kept alive byte by byte.
grep -q "request not complete in time" "$TMP/daemon.log" || fail "no request hit its deadline"
longest=$(cat "$TMP"/drip*.out | sed 's/.*longest request \([0-9.]*\) s/\1/' | sort -n | tail -1)
awk -v s="$longest" 'BEGIN { exit !(s >= 9.5 && s <= 11.5) }' ||
        fail "drip-fed requests lived ${longest} s, not ~10 s"
stop_daemon
pass "drip feeders cannot lock root out (status answered in ${worst} ms at worst; requests dropped after ${longest} s)"
