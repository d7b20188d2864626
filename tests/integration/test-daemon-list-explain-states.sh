#!/bin/bash
# The daemon's List shows every object in the state reality gives it (in-use, idle, orphan,
# protected, unmatched), through the socket and through ipcreapctl's table; Explain names
# the governing rule and the pending reasons; the other query methods answer too.
# Queues are judged by a walk of every thread; outside a private pid namespace a process
# this machine will not let even root read (its PID 1) would keep every queue, unjudged.
TEST_PID_NAMESPACE=1
source "$(dirname "$0")/lib.sh"

policy <<'P'
[Daemon]
ScanIntervalSec=1h
[Rule protect]
Key=0x1001
Action=keep
[Rule young]
Key=0x1002
MinIdleSec=1h
[Rule report-leaks]
Key=0x1003-0x1005
MinIdleSec=0
Action=report
P
spawn attach "$HELPER" --hold shm-create 0x1005 4096   # creator alive: pending pid
wait_for_line "$TMP/attach.out" ready
alive=$(head -n1 "$TMP/attach.out")
spawn attacher "$HELPER" shm-attach "$(create shm 0x1004)"
wait_for_line "$TMP/attacher.out" ready
inuse=$(awk 'NR > 1 && $1 == 4100 { print $2 }' /proc/sysvipc/shm)
protected=$(create shm 0x1001)
young=$(create sem 0x1002 2)
orphan=$(create msg 0x1003)
unmatched=$(create shm 0x9999)
start_daemon

check_state() {
        local got
        got=$(json_state "$1" "$2")
        [ "$got" = "$3" ] || fail "$1 $2: state $got, expected $3"
}
check_state shm "$inuse" in-use
check_state shm "$alive" idle
check_state sem "$young" idle
check_state msg "$orphan" orphan
check_state shm "$protected" protected
check_state shm "$unmatched" unmatched

# Filters.
[ "$(ctl --json list --state orphan | jq '.objects | length')" = 1 ] || fail "state filter"
[ "$(ctl --json list --kind sem | jq -r '.objects[].id')" = "$young" ] || fail "kind filter"

# The table lists each id with its state.
table=$(ctl list)
for pair in "shm $inuse in-use" "shm $protected protected" "sem $young idle" "msg $orphan orphan"; do
        set -- $pair
        grep -Eq "^$1 +$2 .* $3 " <<<"$table" || fail "table lacks '$pair':
$table"
done

# Explain: the governing rule, every rule's verdict, the pending reasons.
ex=$(ctl --json explain sem "$young")
[ "$(jq -r .rule <<<"$ex")" = young ] || fail "explain rule: $ex"
[ "$(jq -r '.rules[] | select(.governs) | .name' <<<"$ex")" = young ] || fail "governs: $ex"
jq -e '.pending[0] | test("^idle for .*, rule needs 1h$")' <<<"$ex" >/dev/null || fail "pending: $ex"
jq -e '.rules[0].matched == false and (.rules[0].reason | test("Key: 0x00001002 is not in 0x1001"))' \
        <<<"$ex" >/dev/null || fail "why the first rule did not match: $ex"
ex=$(ctl --json explain shm "$alive")
jq -e '.pending[0] | test("^pid [0-9]+ alive$")' <<<"$ex" >/dev/null || fail "alive pid: $ex"
ex=$(ctl --json explain shm "$inuse")
jq -e '.state == "in-use" and (.pending[0] | test("attached by 1 process"))' <<<"$ex" \
        >/dev/null || fail "in-use reason: $ex"
ctl explain sem "$young" | grep -q "^     State: idle under rule young" || fail "explain text"
status=0
ctl explain shm 999999 2>"$TMP/err" || status=$?
[ "$status" = 1 ] && grep -q "knows no shm with id 999999" "$TMP/err" || fail "NoSuchObject: $status"

# Status, metrics, history, the Varlink service interface.
st=$(ctl --json status)
jq -e '.lastScan.objects == 6 and .lastScan.counts.shm.unmatched == 1 and .version != null' \
        <<<"$st" >/dev/null || fail "status: $st"
ctl status | grep -q "6 objects, 1 orphan, 0 reaped" || fail "status text: $(ctl status)"
ctl metrics | grep -q '^ipcreap_objects{namespace="host",kind="msg",state="orphan"} 1$' || fail "metrics"
ctl --json metrics | jq -e '.text | test("ipcreap_limit_used_ratio")' >/dev/null || fail "metrics json"
[ "$(ctl --json history | jq '.events | length')" = 0 ] || fail "history should be empty"
"$PROBE" call "$SOCKET" '{"method":"org.varlink.service.GetInfo"}' |
        jq -e '.parameters.interfaces | index("io.ipcreap.Reaper")' >/dev/null || fail "GetInfo"
"$PROBE" call "$SOCKET" \
        '{"method":"org.varlink.service.GetInterfaceDescription","parameters":{"interface":"io.ipcreap.Reaper"}}' |
        jq -e '.parameters.description | test("method Explain")' >/dev/null || fail "description"
"$PROBE" call "$SOCKET" '{"method":"io.ipcreap.Reaper.Nope"}' |
        jq -e '.error == "org.varlink.service.MethodNotFound"' >/dev/null || fail "MethodNotFound"
"$PROBE" call "$SOCKET" '{"method":"io.ipcreap.Reaper.List","parameters":{"kind":"pipe"}}' |
        jq -e '.error == "org.varlink.service.InvalidParameter" and .parameters.parameter == "kind"' \
        >/dev/null || fail "InvalidParameter"
replies=$("$PROBE" call "$SOCKET" '{"method":"io.ipcreap.Reaper.List","more":true}')
[ "$(wc -l <<<"$replies")" = 6 ] || fail "List with more: one reply per object: $replies"
[ "$(grep -c '"continues":true' <<<"$replies")" = 5 ] || fail "all but the last continue"

stop_daemon
pass "List states, Explain and the query methods match reality"
