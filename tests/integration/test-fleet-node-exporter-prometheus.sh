#!/bin/bash
# The fleet path end to end: ipcreapd writes its MetricsFile into a directory that a real
# node exporter (Debian's prometheus-node-exporter) serves through its textfile collector;
# a real Prometheus (Debian's) scrapes it on localhost and evaluates the shipped alerting
# rules. Through Prometheus's HTTP API the test finds ipcreap_objects and
# ipcreap_limit_used_ratio with the values of the objects it made, sees the exporter read
# the file without error, sees the limit alert go pending once a limit is over 80 %, and
# has every query of the Grafana dashboard accepted. A "container" (an IPC namespace of
# its own, made with unshare --ipc) has series of its own under its namespace label, and
# its limit alerts apart from the host's. Both servers run on free loopback ports with
# their data under the test's directory and are stopped at the end.
# A pid namespace of its own: the daemon scans every IPC namespace it finds in /proc, and
# must find the test's only.
TEST_PID_NAMESPACE=1
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/fleet-lib.sh"

# The IPC sysctls belong to the test's private IPC namespace: a small queue limit gives a
# ratio to watch without touching the host's.
sysctl -qw kernel.msgmni=10 || fail "cannot set kernel.msgmni in the test's IPC namespace"
mkdir -p "$TMP/textfile"
policy <<P
[Daemon]
ScanIntervalSec=1s
MetricsFile=$TMP/textfile/ipcreap.prom
[Rule keep-everything]
Action=keep
P
for i in 1 2 3 4; do "$HELPER" msg-create private >/dev/null; done
"$HELPER" shm-create private 4096 >/dev/null
# The container: a limit of 4 queues of its own, 3 of them used, held by a sleeping process.
spawn container unshare --ipc bash -c 'sysctl -qw kernel.msgmni=4 &&
        for i in 1 2 3; do "$1" msg-create private >/dev/null || exit 1; done &&
        echo ready && exec sleep 600' container "$HELPER"
CONTAINER_PID=$SPAWNED
wait_for_line "$TMP/container.out" '^ready$' 10
CONTAINER_INODE=$(readlink "/proc/$CONTAINER_PID/ns/ipc" | tr -dc 0-9)
start_daemon
wait_until 10 test -s "$TMP/textfile/ipcreap.prom" || fail "the daemon wrote no MetricsFile"
pass "ipcreapd writes $TMP/textfile/ipcreap.prom"

start_node_exporter "$TMP/textfile"
start_prometheus "127.0.0.1:$EXPORTER_PORT" "$TOP/contrib/prometheus/ipcreap.rules.yml"
pass "node exporter on 127.0.0.1:$EXPORTER_PORT, Prometheus on $PROM_URL (own data directories)"

# Through Prometheus: the objects by kind and state, and the limit ratio, as made.
value_is() {
        [ "$(prom_value "$1")" = "$2" ]
}
wait_until 20 value_is 'ipcreap_objects{job="node",namespace="host",kind="msg",state="protected"}' 4 ||
        fail "Prometheus has no ipcreap_objects{namespace=host,kind=msg,state=protected} = 4: $(prom_query 'ipcreap_objects')"
wait_until 5 value_is 'ipcreap_objects{namespace="host",kind="shm",state="protected"}' 1 ||
        fail "ipcreap_objects{namespace=host,kind=shm,state=protected}: $(prom_query 'ipcreap_objects{kind="shm"}')"
wait_until 5 value_is 'ipcreap_limit_used_ratio{namespace="host",limit="msgmni"}' 0.4 ||
        fail "ipcreap_limit_used_ratio{namespace=host,limit=msgmni} is not 0.4 (4 of 10): $(prom_query ipcreap_limit_used_ratio)"
[ "$(prom_value 'node_textfile_scrape_error')" = 0 ] ||
        fail "the node exporter could not parse the MetricsFile: $(http_get "http://127.0.0.1:$EXPORTER_PORT/metrics" | grep -i textfile)"
pass "Prometheus has ipcreap_objects{namespace=host,kind=msg,state=protected} 4, {kind=shm} 1, ipcreap_limit_used_ratio{namespace=host,limit=msgmni} 0.4; node_textfile_scrape_error 0"

# The container, under the name the daemon gives its namespace: its 3 queues (whatever
# state a rule for the host leaves them in) and its own limit, 3 of 4; the host's series
# stay the host's alone.
container_name() {
        ctl --json status | jq -er --argjson i "$CONTAINER_INODE" '.namespaces[] | select(.inode == $i) | .name'
}
wait_until 10 container_name || fail "the daemon reports no namespace of inode $CONTAINER_INODE: $(ctl --json status | jq -c .namespaces)"
NS=$(container_name)
[ "$NS" != host ] || fail "the container's namespace is named host"
ns_q=$(jq -Rr '@json' <<<"$NS") # a PromQL string: the name in double quotes, escaped
wait_until 20 value_is "sum(ipcreap_objects{namespace=$ns_q,kind=\"msg\"})" 3 ||
        fail "Prometheus has not 3 queues in namespace $NS: $(prom_query 'ipcreap_objects{namespace!="host"}')"
wait_until 5 value_is "ipcreap_limit_used_ratio{namespace=$ns_q,limit=\"msgmni\"}" 0.75 ||
        fail "ipcreap_limit_used_ratio{namespace=$NS,limit=msgmni} is not 0.75: $(prom_query ipcreap_limit_used_ratio)"
[ "$(prom_value 'sum(ipcreap_objects{namespace="host",kind="msg"})')" = 4 ] ||
        fail "the host's queues count the container's: $(prom_query 'ipcreap_objects{kind="msg"}')"
pass "the container's namespace $NS: 3 queues and msgmni 0.75 under its own label, the host's 4 apart"

# More queues: 9 of 10 is over 80 %; the shipped rule goes pending at once (for: 10m). The
# container's fourth queue fills its own limit: a second alert, for its namespace.
for i in 5 6 7 8 9; do "$HELPER" msg-create private >/dev/null; done
nsenter --target "$CONTAINER_PID" --ipc "$HELPER" msg-create private >/dev/null
wait_until 20 value_is 'ipcreap_limit_used_ratio{namespace="host",limit="msgmni"}' 0.9 ||
        fail "the ratio did not follow to 0.9: $(prom_query ipcreap_limit_used_ratio)"
alert_pending() { # NAMESPACE SUMMARY
        http_get "$PROM_URL/api/v1/alerts" | jq -e --arg ns "$1" --arg s "$2" '.data.alerts[] |
                select(.labels.alertname == "IpcreapKernelIpcLimitNearlyUsed" and
                       .labels.limit == "msgmni" and .labels.namespace == $ns and
                       .state == "pending" and .annotations.summary == $s)' >/dev/null
}
wait_until 20 alert_pending host "127.0.0.1:$EXPORTER_PORT: msgmni is 90% used" ||
        fail "IpcreapKernelIpcLimitNearlyUsed is not pending for the host's msgmni: $(http_get "$PROM_URL/api/v1/alerts")"
wait_until 20 alert_pending "$NS" "127.0.0.1:$EXPORTER_PORT: msgmni is 100% used in IPC namespace $NS" ||
        fail "IpcreapKernelIpcLimitNearlyUsed is not pending for $NS's msgmni: $(http_get "$PROM_URL/api/v1/alerts")"
rules=$(http_get "$PROM_URL/api/v1/rules")
[ "$(jq '[.data.groups[].rules[]] | length' <<<"$rules")" = 4 ] || fail "Prometheus did not load the 4 rules: $rules"
jq -e '[.data.groups[].rules[] | .health] | all(. == "ok")' <<<"$rules" >/dev/null ||
        fail "a rule does not evaluate cleanly: $rules"
[ "$(prom_value 'ipcreap_scan_interval_seconds')" = 1 ] || fail "ipcreap_scan_interval_seconds is not 1"
stale=$(prom_query 'time() - ipcreap_last_scan_timestamp_seconds > 3 * ipcreap_scan_interval_seconds' | jq '.data.result | length')
[ "$stale" = 0 ] || fail "a daemon scanning every second counts as stale"
pass "9 of 10 queues: ratio 0.9 and IpcreapKernelIpcLimitNearlyUsed pending, and apart for the container's 4 of 4; all 4 rules healthy, the scans not stale"

# Every query of the dashboard is valid PromQL to this Prometheus (variables filled in).
n=0
while IFS= read -r expr; do
        q=$(sed -e 's/\$__rate_interval/1m/g; s/\$__interval/15s/g; s/\$__range/1h/g' \
                -e 's/\$instance/.*/g; s/\$job/.*/g; s/\$namespace/.*/g; s/\$kind/.*/g' <<<"$expr")
        reply=$(prom_query "$q" 2>&1) || fail "Prometheus refused the dashboard query '$q': $reply"
        [ "$(jq -r .status <<<"$reply")" = success ] || fail "dashboard query '$q': $reply"
        n=$((n + 1))
done < <(jq -r '.. | objects | select(has("expr")) | .expr' "$TOP/contrib/grafana/ipcreap.json")
[ "$n" -ge 6 ] || fail "only $n queries in the dashboard"
pass "Prometheus accepts all $n queries of contrib/grafana/ipcreap.json"

stop_daemon
