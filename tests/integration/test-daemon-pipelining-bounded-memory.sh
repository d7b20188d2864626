#!/bin/bash
# Clients that pipeline thousands of requests and never read a reply cannot grow the daemon's
# memory beyond a bound (each connection holds one request and a capped amount of output),
# and meanwhile another client keeps getting GetStatus answers. The attackers are dropped
# once they have not read for the stall timeout (10 s).
source "$(dirname "$0")/lib.sh"

policy <<'P'
[Daemon]
ScanIntervalSec=1h
P
start_daemon
# Objects, so that List and Metrics have something to say.
for i in $(seq 1 20); do create shm >/dev/null; done
ctl scan >/dev/null || fail "scan failed"

vm() { awk -v k="$1:" '$1 == k { print $2 }' "/proc/$DAEMON_PID/status"; }
rss_before=$(vm VmRSS)

# Two attackers, each with up to 20,000 requests whose replies are up to ~4 KiB: without a
# bound that is some 100 MiB of unsent replies within seconds.
for i in 1 2; do
        spawn "pipeline$i" "$PROBE" pipeline "$SOCKET" 20000 14
done
sleep 1
worst=0
for i in $(seq 1 16); do
        start=$(date +%s%N)
        ctl --timeout 5 --json status | jq -e '.version' >/dev/null || fail "GetStatus not answered during the attack"
        ms=$((($(date +%s%N) - start) / 1000000))
        [ "$ms" -gt "$worst" ] && worst=$ms
        sleep 0.5
done
rss_during=$(vm VmRSS)
wait "${BACKGROUND[@]}"
rss_after=$(vm VmRSS)
hwm=$(vm VmHWM)
echo "daemon memory: VmRSS ${rss_before} kB before, ${rss_during} kB during, ${rss_after} kB after; VmHWM ${hwm} kB"
echo "GetStatus during the attack: slowest of 16 answers ${worst} ms"
cat "$TMP/pipeline1.out" "$TMP/pipeline2.out"

# The bound: 2 connections x (64 KiB in + 256 KiB out + one reply), plus allocator slack.
[ $((hwm - rss_before)) -lt $((32 * 1024)) ] ||
        fail "the daemon grew by $(((hwm - rss_before) / 1024)) MiB under pipelining (bound 32 MiB)"
# The attackers were throttled (not every request went out) and dropped for not reading.
for i in 1 2; do
        sent=$(awk '{ print $2 }' "$TMP/pipeline$i.out")
        [ "$sent" -lt 20000 ] || fail "attacker $i sent all its requests: nothing throttled it"
        grep -q "hung up after 1[0-3]\." "$TMP/pipeline$i.out" ||
                fail "attacker $i was not dropped after the ~10 s stall timeout: $(cat "$TMP/pipeline$i.out")"
done
grep -q "not reading its replies" "$TMP/daemon.log" || fail "the drop was not logged"
ctl status >/dev/null || fail "no answer after the attack"
stop_daemon
pass "pipelining clients are throttled and dropped; memory stays bounded (+$(((hwm - rss_before) / 1024)) MiB)"
