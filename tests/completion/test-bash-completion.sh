#!/bin/bash
# The bash completion of ipcreapctl (shell-completion/ipcreapctl), sourced in bash with
# COMP_WORDS/COMP_CWORD set as readline would: commands, options per command, kinds,
# states, column lists for -o and --sort, user names for --owner, files for check-config,
# and for "explain KIND" the ids a running daemon lists (in the test's private IPC
# namespace; those of the --namespace typed, host without), for --namespace the namespaces
# it lists, for "restore" the QIDs of its quarantine, nothing when no daemon answers. Each line alone and with Debian's
# bash-completion loaded.
# A pid namespace of its own: the daemon finds the IPC namespaces of the processes it sees,
# so only this test's namespaces are listed, not those of whatever else runs on the host.
TEST_PID_NAMESPACE=1
source "$(dirname "$0")/../integration/lib.sh"
COMPLETE=$TOP/tests/completion/complete.sh
[ -r /usr/share/bash-completion/bash_completion ] ||
        fail "bash-completion is missing (Debian package bash-completion; tests/deps.sh test)"

# expect "WANT" WORD...: the candidates, space-separated and sorted, are exactly WANT.
expect() {
        local want=$1 mode got
        shift
        for mode in "" --bash-completion; do
                got=$("$COMPLETE" $mode "$@" | tr '\n' ' ')
                got=${got% }
                [ "$got" = "$want" ] ||
                        fail "completing '$*'${mode:+ ($mode)}: got '$got', expected '$want'"
        done
}

C=$IPCREAPCTL
# The commands --help lists, which must include these.
commands=$("$C" --help | awk '/^Commands:/ { on = 1; next } on && /^  [a-z]/ { print $1; next } on { exit }' |
        sort | tr '\n' ' ')
for c in check-config explain history list metrics quarantine reload restore scan simulate status; do
        [[ " $commands " == *" $c "* ]] || fail "--help does not list the command $c: $commands"
done
expect "${commands% }" "$C" ""
expect "list" "$C" li
expect "check-config" "$C" --no-pager ch
expect "--help --json --kind --namespace --no-pager --noheadings --output --owner --raw --socket --sort --state --timeout --version" "$C" list --
expect "--namespace" "$C" explain --na
expect "--help --json --lines --no-pager --socket --timeout --version -n" "$C" history -
expect "--dry-run" "$C" scan --d
expect "quarantine" "$C" quar
expect "restore" "$C" --json res
expect "--help --json --no-pager --socket --timeout --version" "$C" restore --
expect "--help --json --no-pager --socket --timeout --version" "$C" quarantine --
kinds=$("$C" --help | awk '$1 == "Kinds:" { $1 = ""; print }' | tr ' ' '\n' | sed '/^$/d' | sort | tr '\n' ' ')
expect "${kinds% }" "$C" list --kind ""
for k in shm sem msg; do [[ " $kinds " == *" $k "* ]] || fail "kind $k is not offered: $kinds"; done
expect "idle in-use" "$C" list --state i
expect "orphan" "$C" list --kind shm --state o
expect "ID,OWNER" "$C" list -o ID,ow
expect "SIZE STATE" "$C" list --sort s
expect "root" "$C" list --owner roo
expect "$TOP/Makefile" "$C" check-config "$TOP/Makef"
pass "commands, options per command, kinds ($kinds), states, columns for -o and --sort, users, files"

# Ids from the daemon, for the kind typed, through the --socket of the command line.
# Queues are quarantined at the first pass: their QIDs are what restore offers.
policy <<'P'
[Daemon]
ScanIntervalSec=1h
[Rule quarantined]
Kind=msg
MinIdleSec=0
Quarantine=yes
P
create msg >/dev/null
create msg >/dev/null
shm1=$(create shm)
shm2=$(create shm)
sem1=$(create sem)
# A container: an IPC namespace of its own holding three segments (ids there start again
# at 0, so they overlap the host's), kept alive by its process.
spawn container unshare --ipc sh -c "for i in 1 2 3; do \"$HELPER\" shm-create private 4096; done >'$TMP/container-ids' && exec sleep 600"
container=$SPAWNED
wait_until 10 grep -qx sleep "/proc/$container/comm" || fail "the container did not start"
container_ids=$(sort "$TMP/container-ids" | tr '\n' ' ')
start_daemon
inode=$(stat -L -c %i "/proc/$container/ns/ipc")
container_ns=$(ctl --json status | jq -r --argjson inode "$inode" '.namespaces[]? | select(.inode == $inode) | .name')
[ -n "$container_ns" ] || fail "status names no namespace of inode $inode: $(ctl --json status)"
want=$(printf '%s\n' "$shm1" "$shm2" | sort | tr '\n' ' ')
expect "${want% }" "$C" --socket "$SOCKET" explain shm ""
expect "$sem1" "$C" --socket="$SOCKET" explain sem ""
expect "" "$C" --socket "$SOCKET" explain msg ""
expect "" "$C" --socket "$SOCKET" explain shm "$shm1" ""
expect "${want% }" "$C" --socket "$SOCKET" explain --namespace host shm ""
expect "${container_ids% }" "$C" --socket "$SOCKET" explain --namespace "$container_ns" shm ""
expect "${container_ids% }" "$C" --socket "$SOCKET" explain --namespace="$container_ns" shm ""
expect "" "$C" --socket "$SOCKET" explain --namespace "$container_ns" sem ""
expect "" "$C" --socket "$SOCKET" explain --namespace docker-0123.scope shm ""
want=$(printf '%s\n' host "$container_ns" | sort | tr '\n' ' ')
expect "${want% }" "$C" --socket "$SOCKET" list --namespace ""
expect "${want% }" "$C" --socket "$SOCKET" explain --namespace ""
expect "host" "$C" --socket "$SOCKET" explain --namespace h
qids=$(ctl --json quarantine | jq -r '.entries[].quarantineId' | sort | tr '\n' ' ')
[ "$(wc -w <<<"$qids")" = 2 ] || fail "expected two quarantined queues: $(ctl --json quarantine)"
expect "${qids% }" "$C" --socket "$SOCKET" restore ""
expect "${qids% }" "$C" --socket "$SOCKET" --json restore q
expect "" "$C" --socket "$SOCKET" restore "${qids%% *}" ""
expect "" "$C" --socket "$SOCKET" restore x
stop_daemon
start=$(date +%s)
expect "" "$C" --socket "$SOCKET" explain shm ""
expect "" "$C" --socket "$SOCKET" list --namespace ""
expect "" "$C" --socket "$SOCKET" restore ""
[ $(($(date +%s) - start)) -le 5 ] || fail "completing ids without a daemon took over 5 s"
pass "explain KIND <TAB> offers the daemon's ids of that kind (shm $shm1 $shm2, sem $sem1) in the --namespace typed (host without; $container_ns: $container_ids), --namespace <TAB> the namespaces listed, restore <TAB> the QIDs of the quarantine (${qids% }); nothing without a daemon"
