#!/bin/bash
# ipcreapctl list in the style of lsipc, through a running daemon: -o/--output chooses and
# orders columns (any case, +COLUMNS adds to the default), --sort orders rows (numbers as
# numbers), --owner filters by user name or uid (table and JSON), -n/--noheadings drops the
# header and the count, --raw separates cells by one space and escapes blanks; wrong
# columns and users are usage errors (exit 2) before the daemon is asked.
source "$(dirname "$0")/lib.sh"

policy <<'P'
[Daemon]
ScanIntervalSec=1h
[Rule young]
MinIdleSec=1h
P
# Objects of three owners and sizes: ipcmk run as the user (setpriv) makes them theirs. The
# rule keeps them all for an hour, with "idle for 0s, rule needs 1h" pending.
as_user() { setpriv --reuid="$1" --regid="$1" --clear-groups "${@:2}"; }
big=$(ipcmk -M 65536 | grep -o '[0-9]*$')
small=$(as_user 65534 ipcmk -M 4096 | grep -o '[0-9]*$')
mid=$(as_user 1000 ipcmk -M 16384 | grep -o '[0-9]*$')
sem=$(as_user 1000 ipcmk -S 3 | grep -o '[0-9]*$')
[ -n "$big" ] && [ -n "$small" ] && [ -n "$mid" ] && [ -n "$sem" ] || fail "ipcmk failed"
start_daemon

# -o: exactly these columns, in this order, whatever their case.
out=$(ctl list --kind shm -o id,Owner,SIZE --sort size)
[ "$(head -n1 <<<"$out" | tr -s ' ')" = "ID OWNER SIZE" ] || fail "-o header: $out"
grep -q "objects listed" <<<"$out" || fail "the count is missing without -n: $out"

# --sort SIZE sorts by bytes (4K < 16K < 64K), not by text; -n drops header and count.
ids=$(ctl list --kind shm -o ID --sort SIZE -n | tr -d ' ' | tr '\n' ' ')
[ "$ids" = "$small $mid $big " ] || fail "--sort SIZE -n: '$ids', expected '$small $mid $big '"
ids=$(ctl list --kind shm -o ID --sort owner --noheadings | tr -d ' ' | tr '\n' ' ')
[ "$ids" = "$mid $small $big " ] || fail "--sort OWNER: '$ids' (nobody < root, uid 1000 by number)"

# --owner by name and by uid; in JSON too.
[ "$(ctl list --owner 1000 -o ID -n | tr -d ' ' | sort -n | tr '\n' ' ')" = "$(printf '%s\n' "$mid" "$sem" | sort -n | tr '\n' ' ')" ] ||
        fail "--owner 1000: $(ctl list --owner 1000)"
[ "$(ctl list --owner nobody -o ID -n | tr -d ' ')" = "$small" ] || fail "--owner nobody"
[ "$(ctl --json list --owner root | jq -r '.objects[].id')" = "$big" ] || fail "--owner root --json"
pass "-o chooses columns in any case, --sort orders by value, --owner filters by name or uid"

# +COLUMNS: the default ones and these.
hdr=$(ctl list -o +UID,PERMS,NSEMS | head -n1 | tr -s ' ')
[ "$hdr" = "KIND ID KEY OWNER SIZE IDLE STATE RULE CREATOR PENDING UID PERMS NSEMS" ] ||
        fail "-o +UID,PERMS,NSEMS: $hdr"
line=$(ctl list --kind sem -o KIND,ID,NSEMS,PERMS,UID -n | tr -s ' ')
[ "$line" = "sem $sem 3 rw-r--r-- 1000" ] || fail "sem row: '$line'"

# --raw: single spaces, a cell with blanks escaped (the idle time "1min 2s" and the like,
# the pending reason), so every line has as many fields as columns.
raw=$(ctl list --raw -o KIND,ID,STATE,PENDING)
[ "$(head -n1 <<<"$raw")" = "KIND ID STATE PENDING" ] || fail "--raw header: $raw"
awk 'NF != 4 { bad = 1 } END { exit bad }' <<<"$raw" || fail "--raw: a line without 4 fields: $raw"
grep -q '\\x20' <<<"$raw" || fail "--raw: the blanks of the pending reason are not escaped: $raw"
! grep -q '  ' <<<"$raw" || fail "--raw: aligned: $raw"
[ "$(ctl list --raw -n -o ID --kind sem)" = "$sem" ] || fail "--raw -n"
pass "-o +COLUMNS adds to the default; --raw escapes blanks as \\x20, one space between cells"

# history keeps -n N; the table options are refused elsewhere and with --json.
ctl history -n 5 >/dev/null || fail "history -n 5"
ctl -n 5 history >/dev/null || fail "-n 5 history"
for args in "list -o NOPE" "list --sort nope" "list -o ID,,KIND" "list --owner no-such-user-x" \
        "status -o ID" "--json list -o ID" "list --lines 3" "status --raw"; do
        status=0
        # shellcheck disable=SC2086
        ctl $args >/dev/null 2>"$TMP/err" || status=$?
        [ "$status" = 2 ] || fail "ipcreapctl $args: exit $status, expected 2: $(cat "$TMP/err")"
done
grep -q "Try 'ipcreapctl --help'" "$TMP/err" || fail "usage errors point to --help: $(cat "$TMP/err")"
# Before any daemon: a wrong column is a usage error even with no daemon to ask.
status=0
"$IPCREAPCTL" --socket "$TMP/none" list -o NOPE 2>/dev/null || status=$?
[ "$status" = 2 ] || fail "list -o NOPE without a daemon: exit $status, expected 2"
pass "history -n N still works; wrong columns, users and misplaced options exit 2"

stop_daemon
