#!/bin/bash
# contrib/grafana/ipcreap.json: valid JSON with the shape Grafana imports (uid, title,
# schemaVersion, panels with unique ids and positions), the Prometheus data source as a
# variable that every panel and query uses, the views the issue asks for, and every
# metric a query names exported by a running daemon (its Metrics output).
# A pid namespace of its own: the daemon scans every IPC namespace it finds in /proc, and
# must find the test's only.
TEST_PID_NAMESPACE=1
source "$(dirname "$0")/lib.sh"

DASH=$TOP/contrib/grafana/ipcreap.json
# Metrics a panel may name that a later feature provides; keep this short.
FUTURE_METRICS=""

jq empty "$DASH" 2>"$TMP/jq.err" || fail "not valid JSON: $(cat "$TMP/jq.err")"
jq -e '(.uid | type == "string" and length > 0) and (.title | length > 0) and
       (.schemaVersion | type == "number") and (.panels | length > 0)' "$DASH" >/dev/null ||
        fail "uid, title, schemaVersion or panels missing"
jq -e '[.templating.list[] | select(.type == "datasource" and .query == "prometheus" and
        .name == "datasource")] | length == 1' "$DASH" >/dev/null ||
        fail "no variable 'datasource' of type datasource for Prometheus"
# Every panel (rows are only headings) and every query read from ${datasource}, nothing
# hard-wired to one Grafana's data source.
bad=$(jq -r '.panels[] | select(.type != "row") |
        select(.datasource.uid != "${datasource}" or
               ([.targets[] | .datasource.uid != "${datasource}"] | any) or
               (.targets | length) == 0) | .title' "$DASH")
[ -z "$bad" ] || fail "panels not on \${datasource} or without queries: $bad"
jq -e '[.panels[].id] | length == (unique | length)' "$DASH" >/dev/null || fail "panel ids repeat"
jq -e '[.panels[] | .gridPos | .x >= 0 and .y >= 0 and .w > 0 and .h > 0 and .x + .w <= 24] |
       all' "$DASH" >/dev/null || fail "a panel lacks a sane gridPos"
jq -e '[.panels[] | select(.type != "row") | .targets[] | (.expr | length > 0) and
        (.refId | length > 0)] | all' "$DASH" >/dev/null || fail "a query without expr or refId"
pass "valid JSON, $(jq '[.panels[] | select(.type != "row")] | length' "$DASH") panels, all on the \${datasource} variable"

# The views asked for: by kind and state, by rule, reclaimed bytes, limit usage, scan
# duration, per namespace.
exprs=$(jq -r '.. | objects | select(has("expr")) | .expr' "$DASH")
for want in 'by (kind, state) (ipcreap_objects' 'by (rule, kind) (increase(ipcreap_reaped_total' \
        'ipcreap_reclaimed_bytes_total' 'ipcreap_limit_used_ratio' 'ipcreap_scan_duration_seconds' \
        'namespace=~"$namespace"'; do
        grep -qF "$want" <<<"$exprs" || fail "no panel query has '$want'"
done
pass "panels for objects by kind and state, removals by rule, reclaimed bytes, limit usage, scan duration, per namespace"

# Every metric named in a query or a variable, against what a running daemon exports.
policy <<'P'
[Daemon]
ScanIntervalSec=1h
P
start_daemon
ctl metrics >"$TMP/metrics"
exported=$(awk '$1 == "#" && $2 == "TYPE" { print $3 }' "$TMP/metrics" | sort -u)
[ -n "$exported" ] || fail "the daemon's Metrics output has no families: $(cat "$TMP/metrics")"
named=$( { echo "$exprs"; jq -r '.templating.list[] | .definition // empty' "$DASH"; } |
        grep -oE '\bipcreap_[a-zA-Z0-9_:]*' | sort -u)
[ -n "$named" ] || fail "no query names an ipcreap metric"
for m in $named; do
        grep -qxF "$m" <<<"$exported" && continue
        grep -qw -- "$m" <<<"$FUTURE_METRICS" && continue
        fail "the dashboard queries $m, which ipcreapd does not export: $(echo $exported)"
done
# Each query names at least one of them (a typo elsewhere would leave a panel empty).
while IFS= read -r e; do
        grep -qE '\bipcreap_' <<<"$e" || fail "a query names no ipcreap metric: $e"
done <<<"$exprs"
pass "the $(wc -w <<<"$named") metrics the dashboard names ($(echo $named)) are all in the daemon's Metrics output"
stop_daemon
