#!/bin/bash
# ListQuarantine's entries are what the interface description (GetInterfaceDescription)
# declares for QuarantineEntry, as a strict Varlink client checks them: every field an entry
# carries is declared, every field declared without "?" is there and not null, and each has
# its declared type (int, string, Creator). The entries cover every shape: a host segment
# with a recorded creator, a semaphore set (nsems), a queue (messages), a POSIX file (name),
# a container's segment (namespaceInode), with an expiry (expiresAt).
TEST_PID_NAMESPACE=1
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/posix-lib.sh"
source "$(dirname "$0")/namespace-lib.sh"
source "$(dirname "$0")/quarantine-lib.sh"

policy <<'P'
[Daemon]
ScanIntervalSec=1h
QuarantineKeepSec=1d
[Rule host]
Kind=all
MinIdleSec=0
Quarantine=yes
[Rule containers]
Kind=all
Namespace=*
MinIdleSec=0
Quarantine=yes
P
# The creator lives through the first pass, which records it, and is gone for the second.
spawn creator "$HELPER" --hold shm-create 0x5c5c 4096
creator=$SPAWNED
wait_for_line "$TMP/creator.out" ready
create sem 0x5c5d 3 >/dev/null
create msg 0x5c5e >/dev/null
head -c 3000 /dev/urandom >/dev/shm/qfile
# (A file of root, who has processes, might have a live creator: another user's.)
chown 4242:4343 /dev/shm/qfile
container
ns_create "$C_PID" 0x5c5f >/dev/null
start_daemon
kill_wait "$creator"
ctl scan >/dev/null
entries=$(ctl --json quarantine)
jq -e --arg ns "$C_NS" '(.entries | length) == 5 and
        ([.entries[] | select(.kind == "shm" and .creator.comm == "ipc-helper")] | length) == 1 and
        ([.entries[] | select(.kind == "sem" and .nsems == 3)] | length) == 1 and
        ([.entries[] | select(.kind == "msg" and .messages == 0)] | length) == 1 and
        ([.entries[] | select(.kind == "posix-shm" and .name == "qfile")] | length) == 1 and
        ([.entries[] | select(.namespace == $ns and .namespaceInode != null)] | length) == 1 and
        all(.entries[]; .expiresAt != null and .storedAt != null)' <<<"$entries" >/dev/null ||
        fail "the quarantine does not hold the five entries expected: $entries"

description=$("$PROBE" call "$SOCKET" \
        '{"method":"org.varlink.service.GetInterfaceDescription","parameters":{"interface":"io.ipcreap.Reaper"}}' |
        jq -r .parameters.description)
# declared TYPE: the fields of "type TYPE (...)" of the description as {"name": "type"}.
declared() {
        awk -v t="$1" '$0 == "type " t " (" { on = 1; next }
                on && /^\)/ { exit }
                on { sub(/^ +/, ""); sub(/,$/, ""); split($0, f, ": "); print f[1] "\t" f[2] }' \
                <<<"$description" | jq -R -s 'split("\n") | map(select(. != "") | split("\t") |
                        {(.[0]): .[1]}) | add // {}'
}
entry_type=$(declared QuarantineEntry)
creator_type=$(declared Creator)
[ "$(jq length <<<"$entry_type")" -gt 5 ] && [ "$(jq length <<<"$creator_type")" -gt 1 ] ||
        fail "cannot read QuarantineEntry and Creator from the description: $description"

# What a strict client would reject, one line each; none is the goal.
problems=$(jq -r --argjson e "$entry_type" --argjson c "$creator_type" '
        def is_type($t):
                ($t | ltrimstr("?")) as $b |
                if ($t | startswith("?")) and . == null then true
                elif $b == "int" then type == "number" and . == floor
                elif $b == "string" then type == "string"
                elif $b == "bool" then type == "boolean"
                elif $b == "Creator" then type == "object" and (. as $o |
                        all(to_entries[]; .key as $k | $c[$k] != null and (.value | is_type($c[$k]))) and
                        all($c | to_entries[] | select(.value | startswith("?") | not);
                                $o[.key] != null))
                else false end;
        .entries[] | . as $x |
        (to_entries[] | select($e[.key] == null) |
                "\($x.quarantineId) (\($x.kind)): \(.key) is not declared"),
        (to_entries[] | .key as $k | select($e[$k] != null and (.value | is_type($e[$k]) | not)) |
                "\($x.quarantineId) (\($x.kind)): \(.key) = \(.value | tojson) is not \($e[.key])"),
        ($e | to_entries[] | select((.value | startswith("?") | not) and $x[.key] == null) |
                "\($x.quarantineId) (\($x.kind)): \(.key) (\(.value)) is missing")' <<<"$entries")
[ -z "$problems" ] || fail "ListQuarantine's entries do not match the interface description:
$problems
entries: $entries"
stop_daemon
pass "every field of ListQuarantine's entries (shm with creator, sem, msg, POSIX file, a container's shm) is declared in QuarantineEntry with its type; every required one is there"
