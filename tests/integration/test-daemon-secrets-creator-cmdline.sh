#!/bin/bash
# A creator's command line and unit can hold secrets (--password=...): List, Explain and
# History show them only to root, AdminGroup and the object's owner. Anyone else gets the
# creator's pid and comm, in JSON (streamed or not) and in tables, while the creator runs
# and long after it died.
source "$(dirname "$0")/lib.sh"

as_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }
as_daemon() { setpriv --reuid=daemon --regid=daemon --groups=nogroup "$@"; }
nobody_ctl() { as_nobody "$IPCREAPCTL" --socket "$SOCKET" --no-pager "$@"; }
daemon_ctl() { as_daemon "$IPCREAPCTL" --socket "$SOCKET" --no-pager "$@"; }

# secret_free WHAT TEXT: TEXT shows nothing of root's creator's command line.
secret_free() {
        ! grep -q "hunter2" <<<"$2" || fail "$1 shows root's secret: $2"
}

policy <<'P'
[Daemon]
ScanIntervalSec=1h
[Rule report]
MinIdleSec=0
Action=report
P
start_daemon

# Root's creator has a password on its command line; nobody's has a token of its own.
spawn rootd bash -c "exec -a 'secretd --password=hunter2' $HELPER --hold shm-create 0x7001 4096"
rootd=$SPAWNED
spawn mined setpriv --reuid=nobody --regid=nogroup --clear-groups \
        bash -c "exec -a 'mined --token=tok42' $HELPER --hold shm-create 0x7002 4096"
mined=$SPAWNED
wait_for_line "$TMP/rootd.out" ready
wait_for_line "$TMP/mined.out" ready
root_id=$(head -n1 "$TMP/rootd.out")
own_id=$(head -n1 "$TMP/mined.out")
ctl scan >/dev/null

# Root sees everything, so the secret really is recorded.
ctl --json list | jq -e --argjson id "$root_id" '.objects[] | select(.id == $id) |
        .creator.cmdline | test("--password=hunter2")' >/dev/null ||
        fail "root does not see the command line: $(ctl --json list)"

check_nobody() {
        local when=$1 out
        out=$(nobody_ctl --json list) || fail "nobody list --json ($when)"
        secret_free "list --json ($when)" "$out"
        jq -e --argjson id "$root_id" --argjson pid "$rootd" '.objects[] | select(.id == $id) |
                .creator.pid == $pid and .creator.comm == "ipc-helper" and
                (.creator | has("cmdline") or has("unit") | not)' <<<"$out" >/dev/null ||
                fail "nobody's view of root's creator ($when): $out"
        # Its own object's creator is nobody's business only.
        jq -e --argjson id "$own_id" '.objects[] | select(.id == $id) |
                .creator.cmdline | test("--token=tok42")' <<<"$out" >/dev/null ||
                fail "the owner does not see its own command line ($when): $out"

        out=$(as_nobody "$PROBE" call "$SOCKET" '{"method":"io.ipcreap.Reaper.List"}')
        secret_free "List without more ($when)" "$out"
        grep -q "tok42" <<<"$out" || fail "List without more lost the owner's view: $out"

        out=$(nobody_ctl list) || fail "nobody list ($when)"
        secret_free "list ($when)" "$out"

        out=$(nobody_ctl --json explain shm "$root_id") || fail "nobody explain --json ($when)"
        secret_free "explain --json ($when)" "$out"
        jq -e '.object.creator.comm == "ipc-helper" and
                (.object.creator | has("cmdline") or has("unit") | not)' <<<"$out" >/dev/null ||
                fail "nobody's explain ($when): $out"
        out=$(nobody_ctl explain shm "$root_id") || fail "nobody explain ($when)"
        secret_free "explain ($when)" "$out"
        grep -q "Creator: ipc-helper\[$rootd\]" <<<"$out" || fail "explain lost comm: $out"
        nobody_ctl explain shm "$own_id" | grep -q "tok42" ||
                fail "the owner's explain ($when): $(nobody_ctl explain shm "$own_id")"
}
check_nobody "creator alive"

kill "$rootd" "$mined"
wait "$rootd" "$mined" 2>/dev/null || true
ctl scan >/dev/null
check_nobody "creator dead"

# Neither owner nor admin: another uid (daemon) sees no command line either...
secret_free "list as daemon" "$(daemon_ctl --json list)"
! daemon_ctl --json list | grep -q "tok42" || fail "daemon sees nobody's command line"
# ...until AdminGroup names its group.
policy <<'P'
[Daemon]
ScanIntervalSec=1h
AdminGroup=nogroup
[Rule report]
MinIdleSec=0
Action=report
P
ctl reload >/dev/null
daemon_ctl --json explain shm "$root_id" | grep -q "hunter2" ||
        fail "an AdminGroup member does not see the command line"

# History keeps creators after removal: same rule, by the removed object's owner.
policy <<'P'
[Daemon]
ScanIntervalSec=1h
[Rule reap]
MinIdleSec=0
Action=reap
P
ctl reload >/dev/null
ctl scan >/dev/null
assert_gone shm "$root_id" "reap rule"
assert_gone shm "$own_id" "reap rule"
ctl --json history | grep -q "hunter2" || fail "root's history lost the command line"
out=$(nobody_ctl --json history) || fail "nobody history --json"
secret_free "history --json" "$out"
jq -e --argjson id "$root_id" '.events[] | select(.id == $id) |
        .creator.comm == "ipc-helper" and (.creator | has("cmdline") or has("unit") | not)' \
        <<<"$out" >/dev/null || fail "nobody's history of root's object: $out"
jq -e --argjson id "$own_id" '.events[] | select(.id == $id) |
        .creator.cmdline | test("--token=tok42")' <<<"$out" >/dev/null ||
        fail "nobody's history of its own object: $out"
secret_free "history" "$(nobody_ctl history)"
stop_daemon
pass "creators' command lines and units reach only root, AdminGroup and the owner"
