#!/bin/bash
# ipcreapd under a real systemd: boots Debian bookworm with systemd as PID 1 in
# systemd-nspawn, installs ipcreap there with `make install`, and checks what only a real
# service manager shows: socket activation, READY=1 and STATUS=, the unit's user and
# capabilities, the journal entries and their catalog, good and bad reloads, the watchdog
# and a clean stop; and, in a second systemd-nspawn container registered with
# systemd-machined inside the first, a leak the daemon names machine-leaky.scope and removes
# only under a Namespace= rule, next to an attached segment it keeps; and the quarantine:
# another user's segment and POSIX file removed under Quarantine=yes and restored with their
# bytes, owner, mode and (the segment) id, which takes the unit's ReadWritePaths= for the
# *_next_id sysctls, CAP_DAC_READ_SEARCH, CAP_CHOWN and the @chown system calls.
#
# Needs root, debootstrap, systemd-nspawn (systemd-container), jq. Runs in a cgroup of its
# own and in private mount, pid and IPC namespaces (`unshare --kill-child`: nothing outlives
# it); the container has an IPC namespace of its own, so the host's IPC objects are never
# seen or touched. The root file system is made once in $BUILD/container/root and reused;
# --volatile=overlay keeps every run from changing it.
set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=$(cd "${BUILD:-$TOP/build}" && pwd)
export BUILD
WORK=$BUILD/container
ROOT=$WORK/root
STAGE=$WORK/stage
SUITE=bookworm
# What the container needs beyond minbase: systemd as init, the daemon's libraries, ipcmk
# and setpriv (util-linux), useradd (passwd), perl (a leaking program that lives a while),
# systemd-nspawn and systemd-machined (systemd-container) for the container inside.
PACKAGES=systemd,systemd-sysv,dbus,libinih1,libjansson4,util-linux,procps,passwd,perl-base,systemd-container
TEST_NAME=test-systemd
# shellcheck source=tests/container/lib.sh
source "$TOP/tests/container/lib.sh"

say() { echo "$TEST_NAME: $*" >&2; }
die() {
        echo "FAIL: $TEST_NAME: $*" >&2
        exit 1
}

# ---- outside: root, tools, the cgroup; then the rest in private namespaces ----

need_tools() {
        local missing=() tool
        for tool in debootstrap:debootstrap systemd-nspawn:systemd-container jq:jq \
                nsenter:util-linux unshare:util-linux pgrep:procps; do
                command -v "${tool%%:*}" >/dev/null 2>&1 || missing+=("${tool#*:}")
        done
        [ ${#missing[@]} -eq 0 ] && return 0
        # Normally tests/deps.sh (make test-deps) has installed them.
        if ! command -v apt-get >/dev/null 2>&1; then
                die "missing packages: ${missing[*]} (tests/deps.sh test lists them)"
        fi
        say "installing missing packages: ${missing[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get install -y --no-install-recommends "${missing[@]}" >&2 ||
                { apt-get update >&2 && apt-get install -y --no-install-recommends "${missing[@]}" >&2; } ||
                die "cannot install ${missing[*]}"
}

# A cgroup of our own under each hierarchy: a systemd started in the host's root cgroup
# would rearrange the host's cgroups, and whatever is left in ours at the end is ours.
CGROUP_NAME=ipcreap-container-test.$$

if [ "${1:-}" != --inner ]; then
        [ "$(id -u)" = 0 ] || die "must run as root: it boots a container with systemd-nspawn"
        need_tools
        if [ ! -x "$BUILD/ipcreapd" ] || [ ! -x "$BUILD/ipcreapctl" ] || [ ! -x "$BUILD/helpers/ipc-helper" ]; then
                die "build first: make all $BUILD/helpers/ipc-helper"
        fi
        START=$(date +%s)
        HOST_IPC_NS=$(readlink /proc/self/ns/ipc)
        export START HOST_IPC_NS
        setup_cgroups
        # On any exit, even by a signal, what is still in our cgroups is killed with them.
        trap remove_cgroups EXIT
        trap 'exit 130' INT
        trap 'exit 143' TERM HUP
        # nspawn's volatile overlay is a tmpfs on a directory it makes in /tmp; the mount
        # dies with the private mount namespace, the empty directory is ours to remove.
        volatile_before=$(find /tmp -maxdepth 1 -name 'nspawn-volatile-*' 2>/dev/null | sort)
        # In the background so that a signal to this shell is handled at once, not after it.
        unshare --mount --pid --ipc --fork --mount-proc --kill-child "$0" --inner &
        rc=0
        wait $! || rc=$?
        remove_cgroups
        for d in $(find /tmp -maxdepth 1 -name 'nspawn-volatile-*' 2>/dev/null | sort); do
                grep -qxF "$d" <<<"$volatile_before" || rmdir "$d" 2>/dev/null || true
        done
        trap - EXIT
        left=$(find /sys/fs/cgroup -maxdepth 6 -name "$CGROUP_NAME" 2>/dev/null || true)
        [ -z "$left" ] || die "cgroups left behind: $left"
        if findmnt -rn -o TARGET | grep -qF "$WORK"; then
                die "mounts left under $WORK: $(findmnt -rn -o TARGET | grep -F "$WORK")"
        fi
        [ $rc = 0 ] || exit $rc
        echo "ok: nothing left on the host (cgroups removed, no mounts, no processes)"
        echo "$TEST_NAME: all checks passed in $(($(date +%s) - START))s"
        exit 0
fi

# ---- inside the private namespaces ----

[ "$(readlink /proc/self/ns/ipc)" != "$HOST_IPC_NS" ] || die "still in the host's IPC namespace"
# As the pid namespace's init, bash ignores SIGINT and SIGTERM unless it handles them.
trap 'exit 130' INT TERM

NSPAWN=
LEADER=
NSPAWN_RC=

fail() {
        echo "FAIL: $TEST_NAME: $*" >&2
        if [ -n "$LEADER" ] && container_alive; then
                echo "--- journalctl -u ipcreapd (in the container) ---" >&2
                ct journalctl -u ipcreapd.service --no-pager </dev/null 2>&1 | tail -n 50 >&2 || true
        fi
        exit 1
}

trap 'shutdown_container' EXIT

# ---- the root file system, made once per build directory ----

prepare_root() {
        local stamp=$WORK/root.stamp want="suite=$SUITE variant=minbase include=$PACKAGES"
        if [ -d "$ROOT" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
                return 0
        fi
        local uri
        uri=$(mirror)
        say "making the container's root file system with debootstrap from $uri (one to three minutes, once)"
        mkdir -p "$WORK"
        rm -f "$stamp"
        rm -rf --one-file-system "$ROOT" "$ROOT.new"
        debootstrap --variant=minbase --include="$PACKAGES" "$SUITE" "$ROOT.new" "$uri" \
                >"$WORK/debootstrap.log" 2>&1 ||
                { tail -n 20 "$WORK/debootstrap.log" >&2; die "debootstrap failed (log: $WORK/debootstrap.log)"; }
        mv "$ROOT.new" "$ROOT"
        echo "$want" >"$stamp"
}

# /tmp stays the host's: the checkout (and so $BUILD) may well live there.
prepare_root
# After debootstrap, which may need the host's /run (resolv.conf): nspawn writes there.
mount -t tmpfs -o mode=0755 tmpfs /run

rm -rf "$STAGE"
make -C "$TOP" --no-print-directory BUILD="$BUILD" DESTDIR="$STAGE" install >"$WORK/install.log" 2>&1 ||
        { tail -n 20 "$WORK/install.log" >&2; die "make install DESTDIR=$STAGE failed"; }

# ---- boot ----

systemd-nspawn --register=no --keep-unit --quiet --volatile=overlay -D "$ROOT" \
        --bind-ro="$STAGE:/stage" --bind-ro="$BUILD/helpers:/helpers" --console=pipe --boot </dev/null >"$WORK/console.log" 2>&1 &
NSPAWN=$!

find_leader() {
        local child
        container_alive || fail "systemd-nspawn exited at once: $(tail -n 20 "$WORK/console.log")"
        for child in $(pgrep -P "$NSPAWN"); do
                if [ "$(cat "/proc/$child/comm" 2>/dev/null)" = systemd ]; then
                        LEADER=$child
                        return 0
                fi
        done
        return 1
}
wait_until 20 find_leader || fail "no systemd in the container after 20 s: $(tail -n 20 "$WORK/console.log")"

ipc_ns=$(readlink "/proc/$LEADER/ns/ipc")
if [ "$ipc_ns" = "$HOST_IPC_NS" ] || [ "$ipc_ns" = "$(readlink /proc/self/ns/ipc)" ]; then
        fail "the container shares an IPC namespace with the host or the test: $ipc_ns"
fi

system_state=
booted() {
        system_state=$(ct systemctl is-system-running --wait </dev/null 2>/dev/null) || true
        case $system_state in running | degraded) return 0 ;; *) return 1 ;; esac
}
wait_until 60 booted || fail "the container did not finish booting: is-system-running says '$system_state'"
if [ "$system_state" = degraded ]; then
        say "the container booted degraded: $(ct systemctl --failed --no-legend --plain </dev/null | tr '\n' ' ')"
fi
[ -z "$(ct sh -c 'tail -n +2 /proc/sysvipc/shm /proc/sysvipc/sem /proc/sysvipc/msg | grep -v "^==>\|^$"' </dev/null)" ] ||
        fail "the container's IPC tables are not empty at boot: not a private IPC namespace?"
pass "systemd $(ct systemctl --version </dev/null | awk 'NR == 1 { print $2 }') booted in the container ($system_state), in an IPC namespace of its own"

ct chmod 666 /dev/null </dev/null || fail "chmod 666 /dev/null in the container failed"
ct cp -a /stage/. / </dev/null || fail "copying the staged install into the container failed"
out=$(ct systemd-sysusers </dev/null 2>&1) || fail "systemd-sysusers failed: $out"
ct journalctl --update-catalog </dev/null || fail "journalctl --update-catalog failed"
ct systemctl daemon-reload </dev/null || fail "systemctl daemon-reload failed"
ct id ipcreap >/dev/null </dev/null || fail "systemd-sysusers did not create the user ipcreap"
ct useradd --uid 1000 --user-group --no-create-home --shell /usr/sbin/nologin leaker </dev/null ||
        fail "useradd leaker failed"

# ---- a. socket activation, READY and STATUS, user and capabilities ----

ct systemctl enable --now ipcreapd.socket </dev/null 2>/dev/null || fail "systemctl enable --now ipcreapd.socket failed"
[ "$(prop ipcreapd.socket ActiveState)" = active ] || fail "ipcreapd.socket is not active after enable --now"
state=$(prop ipcreapd.service ActiveState)
[ "$state" = inactive ] || fail "ipcreapd.service is $state before anyone connected: only the socket should be up"

out=$(ct ipcreapctl --no-pager status </dev/null 2>&1) ||
        fail "the first ipcreapctl status (default socket) failed: $out"
grep -q '^ipcreapd ' <<<"$out" || fail "ipcreapctl status printed no daemon version: $out"
[ "$(prop ipcreapd.service TriggeredBy)" = ipcreapd.socket ] ||
        fail "ipcreapd.service is not triggered by ipcreapd.socket: TriggeredBy=$(prop ipcreapd.service TriggeredBy)"

service_ready() {
        [ "$(prop ipcreapd.service ActiveState)/$(prop ipcreapd.service SubState)" = active/running ] &&
                [[ "$(prop ipcreapd.service StatusText)" =~ ^[0-9]+\ objects ]]
}
wait_until 10 service_ready ||
        fail "ipcreapd.service did not reach active (running) with a scan STATUS=: $(ct systemctl show -p ActiveState,SubState,StatusText ipcreapd.service </dev/null | tr '\n' ' ')"
pass "socket activation: ipcreapctl status started ipcreapd.service; READY with Status: \"$(prop ipcreapd.service StatusText)\""

main_pid=$(prop ipcreapd.service MainPID)
[ "$main_pid" -gt 0 ] || fail "ipcreapd.service has no MainPID"
proc_status=$(ct cat "/proc/$main_pid/status" </dev/null) || fail "cannot read /proc/$main_pid/status"
uid=$(ct id -u ipcreap </dev/null)
[ "$(awk '/^Uid:/ { print $2, $3, $4, $5 }' <<<"$proc_status")" = "$uid $uid $uid $uid" ] ||
        fail "ipcreapd does not run as ipcreap (uid $uid): $(grep '^Uid:' <<<"$proc_status")"
# CAP_SYS_ADMIN (21), CAP_SYS_PTRACE (19), CAP_IPC_OWNER (15), CAP_FOWNER (3),
# CAP_DAC_READ_SEARCH (2), CAP_CHOWN (0).
want_caps=000000000028800d
for cap in CapEff CapPrm CapBnd; do
        got=$(awk -v c="$cap:" '$1 == c { print $2 }' <<<"$proc_status")
        [ "$got" = "$want_caps" ] ||
                fail "ipcreapd's $cap is $got, expected $want_caps (only CAP_SYS_ADMIN, CAP_IPC_OWNER, CAP_SYS_PTRACE, CAP_DAC_READ_SEARCH, CAP_FOWNER and CAP_CHOWN)"
done
pass "ipcreapd runs as user ipcreap (uid $uid) with only CAP_SYS_ADMIN, CAP_IPC_OWNER, CAP_SYS_PTRACE, CAP_DAC_READ_SEARCH, CAP_FOWNER and CAP_CHOWN (CapEff $want_caps)"

# ---- b. a leak is removed and journaled ----

# The shipped policy waits 6 h, and drop-ins only append rules after its own: the test
# replaces the main file.
write_policy() {
        ct sh -c 'cat >/etc/ipcreap/ipcreap.conf'
}
TEST_POLICY='[Daemon]
ScanIntervalSec=2s

[Rule system-users]
Owner=0-999
Action=keep

[Rule test-leaks]
Owner=1000-60000
MinIdleSec=0
RequireDeadPids=yes
Action=reap
'
write_policy <<<"$TEST_POLICY"
ct systemctl reload ipcreapd.service </dev/null || fail "systemctl reload with a valid test policy failed"
scan_interval() {
        ct ipcreapctl --json status </dev/null | jq -r .scanIntervalSec
}
[ "$(scan_interval)" = 2 ] || fail "after the reload the daemon scans every $(scan_interval)s, not 2s"

# A real leak: a program in a unit of its own, as user 1000, makes a segment and lives on
# long enough for the daemon to record it as the creator; then it is stopped.
KEY=0x7e570001
ct systemd-run --quiet --unit=ipcreap-test-leak --uid=leaker --gid=leaker \
        perl -e "defined(shmget($KEY, 4096, 01600)) or die \"shmget: \$!\\n\"; sleep" </dev/null ||
        fail "systemd-run of the leaking program failed"
shm_id=
find_segment() {
        shm_id=$(ct cat /proc/sysvipc/shm </dev/null | awk -v k=$((KEY)) '$1 == k && $8 == 1000 { print $2 }')
        [ -n "$shm_id" ]
}
wait_until 10 find_segment || fail "the leaking program made no segment with key $KEY as uid 1000"
creator_recorded() {
        ct ipcreapctl --json list --kind shm </dev/null |
                jq -e --argjson id "$shm_id" '.objects[] | select(.id == $id) |
                        .creator.comm == "perl" and .creator.unit == "ipcreap-test-leak.service"' >/dev/null
}
wait_until 10 creator_recorded ||
        fail "ipcreapd did not record perl in ipcreap-test-leak.service as the creator of shm $shm_id: $(ct ipcreapctl --json list --kind shm </dev/null)"
ct systemctl stop ipcreap-test-leak.service </dev/null || fail "stopping the leaking program failed"
segment_gone() {
        ! ct cat /proc/sysvipc/shm </dev/null | awk -v id="$1" 'NR > 1 && $2 == id { f = 1 } END { exit !f }'
}
wait_until 10 segment_gone "$shm_id" ||
        fail "shm $shm_id (uid 1000, creator dead) was not removed within 10 s: $(ct ipcreapctl --no-pager explain shm "$shm_id" </dev/null 2>&1)"
pass "the leaked shm $shm_id (uid 1000, key $KEY) was removed once its creator had stopped"

# A queue whose recorded pids are dead but on which another user's process is blocked in
# msgrcv: the hardened service reads that thread's syscall file (CAP_SYS_PTRACE) and keeps
# the queue, naming the waiter; once the waiter is gone the queue is removed.
QKEY=0x7e570002
ct setpriv --reuid=1000 --regid=1000 --clear-groups perl -e \
        "my \$q = msgget($QKEY, 01666) // die; msgsnd(\$q, pack('l! a*', 1, 'x'), 0) or die;
         my \$b; msgrcv(\$q, \$b, 16, 0, 0) or die" </dev/null || fail "using queue $QKEY failed"
msq_id=$(ct cat /proc/sysvipc/msg </dev/null | awk -v k=$((QKEY)) '$1 == k { print $2 }')
[ -n "$msq_id" ] || fail "no queue with key $QKEY"
ct systemd-run --quiet --unit=ipcreap-test-waiter --uid=leaker --gid=leaker \
        perl -e "my \$b; msgrcv($msq_id, \$b, 16, 0, 0); sleep" </dev/null ||
        fail "systemd-run of the waiting program failed"
waiter_named() {
        ct ipcreapctl --no-pager explain msg "$msq_id" </dev/null 2>&1 | grep -q "blocked on it: pid"
}
sleep 5  # two passes at 2 s
wait_until 10 waiter_named ||
        fail "queue $msq_id with a waiter: $(ct ipcreapctl --no-pager explain msg "$msq_id" </dev/null 2>&1)"
queue_there() {
        ct cat /proc/sysvipc/msg </dev/null | awk -v id="$1" 'NR > 1 && $2 == id { f = 1 } END { exit !f }'
}
queue_there "$msq_id" || fail "queue $msq_id was removed while a process was blocked in msgrcv on it"
ct systemctl stop ipcreap-test-waiter.service </dev/null || fail "stopping the waiter failed"
wait_until 10 eval '! queue_there "$msq_id"' ||
        fail "queue $msq_id (no waiter, pids dead) was not removed: $(ct ipcreapctl --no-pager explain msg "$msq_id" </dev/null 2>&1)"
pass "a queue with another user's thread blocked in msgrcv was kept (CAP_SYS_PTRACE, CAP_DAC_READ_SEARCH), then removed"

# POSIX shared memory of another user under the hardened service: a file nobody maps or
# holds is fenced (fchmod, CAP_FOWNER) and unlinked from the sticky /dev/shm; a file that
# a process holds open is kept, its holder named.
write_policy <<<"$TEST_POLICY
[Rule test-posix]
Kind=posix-shm
Owner=1000-60000
MinIdleSec=0
RequireDeadPids=no
"
ct systemctl reload ipcreapd.service </dev/null || fail "reloading with a POSIX rule failed"
ct setpriv --reuid=1000 --regid=1000 --clear-groups sh -c \
        'head -c 4096 /dev/zero >/dev/shm/ipcreap-test-orphan &&
         head -c 4096 /dev/zero >/dev/shm/ipcreap-test-held' </dev/null ||
        fail "making POSIX files as uid 1000 failed"
ct systemd-run --quiet --unit=ipcreap-test-holder --uid=leaker --gid=leaker \
        sh -c 'exec 3</dev/shm/ipcreap-test-held; exec sleep 1000' </dev/null ||
        fail "systemd-run of the holding program failed"
orphan_gone() { ! ct test -e /dev/shm/ipcreap-test-orphan </dev/null; }
wait_until 10 orphan_gone ||
        fail "the orphaned POSIX file was not removed: $(ct ipcreapctl --no-pager explain posix-shm ipcreap-test-orphan </dev/null 2>&1)"
holder_named() {
        ct ipcreapctl --no-pager explain posix-shm ipcreap-test-held </dev/null 2>&1 | grep -q "open in pid"
}
wait_until 10 holder_named ||
        fail "the held POSIX file: $(ct ipcreapctl --no-pager explain posix-shm ipcreap-test-held </dev/null 2>&1)"
ct test -e /dev/shm/ipcreap-test-held </dev/null || fail "the held POSIX file was removed"
ct systemctl stop ipcreap-test-holder.service </dev/null || fail "stopping the holder failed"
held_gone() { ! ct test -e /dev/shm/ipcreap-test-held </dev/null; }
wait_until 10 held_gone || fail "the POSIX file no longer held was not removed"
write_policy <<<"$TEST_POLICY"
ct systemctl reload ipcreapd.service </dev/null || fail "reloading the test policy failed"
pass "POSIX shm of uid 1000: an orphan fenced and unlinked (CAP_FOWNER), a held one kept, then removed"

MID_REMOVED=4e9adfa7986346cbae134be4073ec0c4
entry=
journal_entry() {
        entry=$(ct journalctl -o json --no-pager "MESSAGE_ID=$MID_REMOVED" "IPCREAP_ID=$shm_id" </dev/null |
                jq -c 'select(.IPCREAP_KIND == "shm")' | tail -n 1)
        [ -n "$entry" ]
}
wait_until 5 journal_entry || fail "no journal entry with MESSAGE_ID=$MID_REMOVED for shm $shm_id"
for field in IPCREAP_KIND=shm "IPCREAP_ID=$shm_id" IPCREAP_KEY=$KEY IPCREAP_OWNER_UID=1000 \
        IPCREAP_RULE=test-leaks IPCREAP_SIZE=4096 IPCREAP_CREATOR=perl \
        IPCREAP_CREATOR_UNIT=ipcreap-test-leak.service IPCREAP_DRY_RUN=no \
        _SYSTEMD_UNIT=ipcreapd.service; do
        got=$(jq -r --arg k "${field%%=*}" '.[$k] // "(missing)"' <<<"$entry")
        [ "$got" = "${field#*=}" ] || fail "removal entry: ${field%%=*}=$got, expected ${field#*=}: $entry"
done
jq -e '.IPCREAP_IDLE_SEC | test("^[0-9]+$")' <<<"$entry" >/dev/null ||
        fail "removal entry: IPCREAP_IDLE_SEC is not a number: $entry"
pass "journal: MESSAGE_ID=$MID_REMOVED with IPCREAP_KIND=shm ID=$shm_id KEY=$KEY OWNER_UID=1000 RULE=test-leaks SIZE=4096 CREATOR=perl (ipcreap-test-leak.service) DRY_RUN=no"

# The explanation is wrapped and prefixed with "░░ ": one line of it, for grep.
catalog=$(ct journalctl -x --no-pager "MESSAGE_ID=$MID_REMOVED" "IPCREAP_ID=$shm_id" </dev/null |
        sed 's/^░░ //' | tr -s ' \n' '  ')
grep -q 'Subject: Leaked System V IPC object removed' <<<"$catalog" ||
        fail "journalctl -x shows no catalog text for the removal: $catalog"
grep -q "ipcreapd removed shm $shm_id (key $KEY, owner uid 1000, 4096 bytes) under rule test-leaks" <<<"$catalog" ||
        fail "journalctl -x: the catalog text is not filled in with the entry's fields: $catalog"
pass "journalctl -x explains the entry with the catalog (\"Leaked System V IPC object removed\")"

# ---- c. an invalid policy is refused by reload; the old one keeps running ----

main_pid=$(prop ipcreapd.service MainPID)
# Were any of it taken, the scan interval would become an hour.
write_policy <<<"${TEST_POLICY/ScanIntervalSec=2s/ScanIntervalSec=1h
NoSuchSetting=yes}"
if ct systemctl reload ipcreapd.service </dev/null 2>/dev/null; then
        fail "systemctl reload succeeded with an invalid policy (unknown key NoSuchSetting)"
fi
[ "$(prop ipcreapd.service ActiveState)/$(prop ipcreapd.service SubState)" = active/running ] ||
        fail "after a rejected reload ipcreapd.service is $(prop ipcreapd.service ActiveState)/$(prop ipcreapd.service SubState)"
[ "$(prop ipcreapd.service MainPID)" = "$main_pid" ] ||
        fail "a rejected reload restarted the daemon: MainPID $main_pid became $(prop ipcreapd.service MainPID)"
[ "$(scan_interval)" = 2 ] || fail "after a rejected reload the daemon scans every $(scan_interval)s, not 2s"

MID_REJECTED=b1c336647126492a978de26391da7e0b
rejected() {
        ct journalctl -o json --no-pager "MESSAGE_ID=$MID_REJECTED" "_PID=$main_pid" </dev/null |
                jq -e 'select(.IPCREAP_POLICY == "/etc/ipcreap/ipcreap.conf" and
                              (.MESSAGE | test("NoSuchSetting")))' >/dev/null
}
wait_until 5 rejected ||
        fail "no journal entry MESSAGE_ID=$MID_REJECTED naming NoSuchSetting for the rejected reload"

out=$(ct setpriv --reuid=1000 --regid=1000 --clear-groups ipcmk -M 4096 </dev/null 2>&1) ||
        fail "ipcmk -M 4096 as uid 1000 failed: $out"
second_id=$(grep -o '[0-9]*$' <<<"$out") || fail "no shm id in the output of ipcmk: $out"
wait_until 10 segment_gone "$second_id" ||
        fail "after the rejected reload shm $second_id (uid 1000) was not removed: the old policy is not running"
pass "a reload with an invalid policy fails, the daemon (pid $main_pid) keeps running the old policy (shm $second_id removed) and journals MESSAGE_ID=$MID_REJECTED"

write_policy <<<"$TEST_POLICY"
ct systemctl reload ipcreapd.service </dev/null || fail "reload with the restored valid policy failed"

# ---- c2. a leak in a registered systemd-nspawn container ----

# A second container inside this one, registered with systemd-machined, so its payload runs
# in machine.slice/machine-leaky.scope and the daemon must name it machine-leaky.scope. It
# is cheap: --volatile=yes gives it a tmpfs root with this container's /usr. In it, as uid
# 1000, one program makes a segment and exits (a leak), another makes one and stays attached.
LEAK_KEY=0x7e570010
HELD_KEY=0x7e570011
MACHINE=leaky
NS_NAME=machine-$MACHINE.scope
ct systemd-run --quiet --unit=ipcreap-test-leaky \
        systemd-nspawn --quiet --register=yes --machine="$MACHINE" --directory=/ --volatile=yes \
        --bind-ro=/helpers --console=pipe \
        setpriv --reuid=1000 --regid=1000 --clear-groups /bin/sh -c \
        "/helpers/ipc-helper shm-create $LEAK_KEY 4096 >/dev/null &&
         id=\$(/helpers/ipc-helper shm-create $HELD_KEY 4096) &&
         exec /helpers/ipc-helper shm-attach \$id" </dev/null ||
        fail "systemd-run of the inner systemd-nspawn container failed"
inner=
inner_leader() {
        inner=$(ct machinectl show --property=Leader --value "$MACHINE" </dev/null 2>/dev/null) &&
                [ -n "$inner" ] && [ "$inner" != 0 ]
}
wait_until 20 inner_leader ||
        fail "machine $MACHINE is not registered with systemd-machined: $(ct systemctl status --no-pager ipcreap-test-leaky.service </dev/null 2>&1 | tail -n 15)"
# (nspawn moves its payload into a payload/ subgroup of the scope a moment after machined
# made the scope: either is fine.)
ct grep -Eq "/machine\.slice/machine-$MACHINE\.scope(/|\$)" "/proc/$inner/cgroup" </dev/null ||
        fail "the inner container's payload (pid $inner) is not in $NS_NAME: $(ct cat "/proc/$inner/cgroup" </dev/null | tr '\n' ' ')"
inner_ns=$(ct readlink "/proc/$inner/ns/ipc" </dev/null)
[ "$inner_ns" != "$(ct readlink /proc/1/ns/ipc </dev/null)" ] ||
        fail "the inner container shares the outer container's IPC namespace ($inner_ns)"
inner_inode=${inner_ns#ipc:[}
inner_inode=${inner_inode%]}
leak_id=
held_id=
# inner_segment KEY: the id of the segment with that key in the inner container's table.
inner_segment() {
        ct nsenter --target="$inner" --ipc cat /proc/sysvipc/shm </dev/null |
                awk -v k=$(($1)) 'NR > 1 && $1 == k && $8 == 1000 { print $2 }'
}
inner_segments() {
        leak_id=$(inner_segment $LEAK_KEY) && held_id=$(inner_segment $HELD_KEY) &&
                [ -n "$leak_id" ] && [ -n "$held_id" ]
}
wait_until 10 inner_segments ||
        fail "no segments $LEAK_KEY and $HELD_KEY of uid 1000 in the inner container: $(ct nsenter --target="$inner" --ipc cat /proc/sysvipc/shm </dev/null)"
pass "container $MACHINE registered with machined: payload pid $inner in $NS_NAME, IPC namespace $inner_ns of its own, leaked shm $leak_id and attached shm $held_id (uid 1000)"

ns_objects=
ns_listed() {
        ns_objects=$(ct ipcreapctl --json list --kind shm --namespace "$NS_NAME" </dev/null 2>&1) &&
                jq -e --argjson l "$leak_id" --argjson h "$held_id" \
                        '[.objects[] | select(.id == $l or .id == $h)] | length == 2' <<<"$ns_objects" >/dev/null
}
if ! wait_until 10 ns_listed; then
        [ -n "$(inner_segment $LEAK_KEY)" ] ||
                fail "the container's leak shm $leak_id was removed under a policy with no Namespace= rule"
        fail "ipcreapctl --json list --namespace $NS_NAME does not list shm $leak_id and $held_id of the container (does the daemon scan IPC namespaces?): $ns_objects"
fi
# ns_object ID FILTER: jq FILTER on the listed object ID of the container.
ns_object() {
        jq -c --argjson id "$1" ".objects[] | select(.id == \$id) | $2" <<<"$ns_objects"
}
for id in "$leak_id" "$held_id"; do
        [ "$(ns_object "$id" '[.namespace, .namespaceInode, .ownerUid]')" = "[\"$NS_NAME\",$inner_inode,1000]" ] ||
                fail "shm $id of the container is listed with the wrong namespace or owner: $(ns_object "$id" .)"
done
[ "$(ns_object "$leak_id" '[.key, .state, .rule]')" = "[$((LEAK_KEY)),\"unmatched\",null]" ] ||
        fail "the container's leak under a policy with no Namespace= rule should be unmatched: $(ns_object "$leak_id" .)"
[ "$(ns_object "$held_id" .state)" = '"in-use"' ] ||
        fail "the container's attached segment should be in-use: $(ns_object "$held_id" .)"
status=$(ct ipcreapctl --json status </dev/null)
jq -e --arg n "$NS_NAME" --argjson i "$inner_inode" \
        '.namespaces[0].name == "host" and
         ([.namespaces[] | select(.name == $n and .inode == $i and .objects >= 2)] | length == 1)' \
        <<<"$status" >/dev/null ||
        fail "ipcreapctl --json status does not show $NS_NAME (inode $inner_inode) after host with its objects: $(jq -c .namespaces <<<"$status")"
# The rule test-leaks (uid 1000 and up, dead pids) would reap the leak in the host's
# namespace; without Namespace= it must not touch the container's.
sleep 5  # two passes at 2 s
[ "$(inner_segment $LEAK_KEY)" = "$leak_id" ] ||
        fail "shm $leak_id of the container was removed by a policy with no Namespace= rule"
pass "ipcreapd names the container $NS_NAME (inode $inner_inode, in status after host), lists its leak (unmatched) and its attached segment (in-use), and a rule without Namespace= leaves the leak alone"

write_policy <<<"$TEST_POLICY
[Rule containers]
Namespace=machine-*
Owner=1000-60000
MinIdleSec=0
RequireDeadPids=yes
Action=reap
"
out=$(ct systemctl reload ipcreapd.service </dev/null 2>&1) || fail "reloading with a Namespace=machine-* rule failed: $out"
inner_leak_gone() { [ -z "$(inner_segment $LEAK_KEY)" ]; }
wait_until 10 inner_leak_gone ||
        fail "the container's leak shm $leak_id was not removed under Namespace=machine-*: $(ct ipcreapctl --no-pager explain --namespace "$NS_NAME" shm "$leak_id" </dev/null 2>&1)"
sleep 5  # two more passes
[ "$(inner_segment $HELD_KEY)" = "$held_id" ] ||
        fail "the container's attached shm $held_id was removed"
ns_listed_held() {
        ns_objects=$(ct ipcreapctl --json list --kind shm --namespace "$NS_NAME" </dev/null 2>&1) &&
                [ "$(ns_object "$held_id" .state)" = '"in-use"' ] && [ -z "$(ns_object "$leak_id" .)" ]
}
ns_listed_held || fail "after the removal the container's list is not just the attached segment (in-use): $ns_objects"
ns_entry=
ns_journal_entry() {
        ns_entry=$(ct journalctl -o json --no-pager "MESSAGE_ID=$MID_REMOVED" "IPCREAP_NAMESPACE=$NS_NAME" </dev/null |
                jq -c --arg id "$leak_id" 'select(.IPCREAP_KIND == "shm" and .IPCREAP_ID == $id)' | tail -n 1)
        [ -n "$ns_entry" ]
}
wait_until 5 ns_journal_entry ||
        fail "no journal entry MESSAGE_ID=$MID_REMOVED IPCREAP_NAMESPACE=$NS_NAME for shm $leak_id"
[ "$(jq -r '[.IPCREAP_KEY, .IPCREAP_RULE, .IPCREAP_OWNER_UID] | join(" ")' <<<"$ns_entry")" = "$LEAK_KEY containers 1000" ] ||
        fail "the container's removal entry: $ns_entry"
pass "with Namespace=machine-* the container's leak shm $leak_id was removed (journal: IPCREAP_NAMESPACE=$NS_NAME, rule containers), its attached shm $held_id kept"

ct systemctl stop ipcreap-test-leaky.service </dev/null || fail "stopping the inner container failed"
ns_gone() {
        ! ct ipcreapctl --json status </dev/null | jq -e --arg n "$NS_NAME" '.namespaces[] | select(.name == $n)' >/dev/null
}
wait_until 10 ns_gone || fail "$NS_NAME is still in ipcreapctl status after the container stopped"
write_policy <<<"$TEST_POLICY"
ct systemctl reload ipcreapd.service </dev/null || fail "reload with the test policy failed"
pass "the stopped container's namespace left ipcreapctl status"

# ---- c3. quarantine and restore under the hardened unit ----

# Quarantine=yes needs permissions of the unit that nothing above uses: restoring a segment's
# old id writes kernel/shm_next_id (ReadWritePaths= under ProtectKernelTunables=yes, as user
# ipcreap with CAP_SYS_ADMIN); copying another user's POSIX file reads it
# (CAP_DAC_READ_SEARCH); restoring it gives it its owner back (CAP_CHOWN and the @chown
# system calls, otherwise refused by ~@privileged). Each is checked by its effect: the same
# id, the same bytes, the same owner.
Q_POLICY='[Daemon]
ScanIntervalSec=2s

[Rule system-users]
Owner=0-999
Action=keep

[Rule test-quarantine-shm]
Kind=shm
Owner=1000-60000
MinIdleSec=0
RequireDeadPids=yes
Action=reap
Quarantine=yes

[Rule test-quarantine-posix]
Kind=posix-shm
Owner=1000-60000
MinIdleSec=0
RequireDeadPids=no
Action=reap
Quarantine=yes
'
# While restoring, nothing may be reaped again at once (MinIdleSec=0 would).
HOLD_POLICY='[Daemon]
ScanIntervalSec=2s

[Rule hold-everything]
Action=keep
'
# A pattern no two pages share, of a size no page divides, in the segment and the file.
QKEY3=0x7e570020
QSIZE=70001
QFILE=ipcreap-test-quarantined
PATTERN_PERL='sub pattern { join "", map { chr(($_ * 131 + int($_ / 4096) * 7 + 5) % 256) } 0 .. '$((QSIZE - 1))' }'
write_policy <<<"$Q_POLICY"
out=$(ct systemctl reload ipcreapd.service </dev/null 2>&1) || fail "reloading with Quarantine=yes rules failed: $out"
ct setpriv --reuid=1000 --regid=1000 --clear-groups perl -e "$PATTERN_PERL;
        my \$id = shmget($QKEY3, $QSIZE, 01640) // die \"shmget: \$!\\n\";
        shmwrite(\$id, pattern(), 0, $QSIZE) or die \"shmwrite: \$!\\n\"" </dev/null ||
        fail "making the segment $QKEY3 as uid 1000 failed"
ct setpriv --reuid=1000 --regid=1000 --clear-groups sh -c \
        "umask 027 && perl -e '$PATTERN_PERL; print pattern()' >/dev/shm/$QFILE" </dev/null ||
        fail "making /dev/shm/$QFILE as uid 1000 failed"
# shm_fields ID: "key id perms uid gid" of a segment, as the kernel shows it.
shm_fields() {
        ct cat /proc/sysvipc/shm </dev/null | awk -v id="$1" 'NR > 1 && $2 == id { print $1, $2, $3, $8, $9 }'
}
qshm_id=$(ct cat /proc/sysvipc/shm </dev/null | awk -v k=$((QKEY3)) 'NR > 1 && $1 == k { print $2 }')
[ -n "$qshm_id" ] || fail "no segment with key $QKEY3"
shm_before=$(shm_fields "$qshm_id")
[ "$shm_before" = "$((QKEY3)) $qshm_id 640 1000 1000" ] || fail "the segment is not what was made: $shm_before"
file_before=$(ct stat -c '%u %g %a %s' "/dev/shm/$QFILE" </dev/null)
[ "$file_before" = "1000 1000 640 $QSIZE" ] || fail "the POSIX file is not what was made: $file_before"
qfile_gone() { ! ct test -e "/dev/shm/$QFILE" </dev/null; }
wait_until 15 segment_gone "$qshm_id" ||
        fail "shm $qshm_id (uid 1000, creator exited) was not quarantined and removed: $(ct ipcreapctl --no-pager explain shm "$qshm_id" </dev/null 2>&1)"
wait_until 10 qfile_gone ||
        fail "/dev/shm/$QFILE (uid 1000, mode 0640) was not quarantined and removed: $(ct ipcreapctl --no-pager explain posix-shm "$QFILE" </dev/null 2>&1)"
# The policy that keeps everything, before anything is restored.
write_policy <<<"$HOLD_POLICY"
out=$(ct systemctl reload ipcreapd.service </dev/null 2>&1) || fail "reloading with a keep-everything policy failed: $out"

quarantine=$(ct ipcreapctl --json quarantine </dev/null 2>&1) || fail "ipcreapctl --json quarantine failed: $quarantine"
qid_shm=$(jq -r --argjson k $((QKEY3)) --argjson id "$qshm_id" --argjson s $QSIZE '.entries[] |
        select(.kind == "shm" and .key == $k and .id == $id and .ownerUid == 1000 and .size == $s and
               .rule == "test-quarantine-shm" and .namespace == "host") | .quarantineId' <<<"$quarantine")
qid_file=$(jq -r --arg n "$QFILE" --argjson s $QSIZE '.entries[] |
        select(.kind == "posix-shm" and .name == $n and .ownerUid == 1000 and .size == $s and
               .rule == "test-quarantine-posix") | .quarantineId' <<<"$quarantine")
[ -n "$qid_shm" ] && [ "$(wc -l <<<"$qid_shm")" = 1 ] ||
        fail "ipcreapctl --json quarantine has no single entry for shm $qshm_id: $quarantine"
[ -n "$qid_file" ] && [ "$(wc -l <<<"$qid_file")" = 1 ] ||
        fail "ipcreapctl --json quarantine has no single entry for /dev/shm/$QFILE: $quarantine"
store=$(ct stat -c '%a %U %G' /var/lib/ipcreap/quarantine </dev/null 2>&1) || fail "no store: $store"
[ "$store" = "700 ipcreap ipcreap" ] || fail "the store /var/lib/ipcreap/quarantine is '$store', not '700 ipcreap ipcreap'"
pass "Quarantine=yes: shm $qshm_id and /dev/shm/$QFILE of uid 1000 were copied and removed ($qid_shm, $qid_file); the store is mode 0700, owned by ipcreap"

out=$(ct ipcreapctl --no-pager restore "$qid_shm" </dev/null 2>&1) || fail "ipcreapctl restore $qid_shm failed: $out"
[[ "$out" == *"as id $qshm_id (its old id)"* ]] ||
        fail "shm $qshm_id did not get its old id back (is kernel/shm_next_id writable?): $out"
shm_after=$(shm_fields "$qshm_id")
[ "$shm_after" = "$shm_before" ] || fail "restored segment: '$shm_after', was '$shm_before' (key id perms uid gid)"
ct perl -e "$PATTERN_PERL; my \$b; shmread($qshm_id, \$b, 0, $QSIZE) or die \"shmread: \$!\\n\";
        exit(\$b eq pattern() ? 0 : 1)" </dev/null || fail "restored shm $qshm_id: the bytes differ"
# (In List after the next pass.)
restored_creator() {
        ct ipcreapctl --json list --kind shm </dev/null | jq -e --argjson id "$qshm_id" \
                '.objects[] | select(.id == $id) | .creatorUid == 1000 and .creatorGid == 1000' >/dev/null
}
wait_until 10 restored_creator ||
        fail "the restored segment does not report its original creator uid and gid: $(ct ipcreapctl --json list --kind shm </dev/null)"
pass "restore $qid_shm: shm $qshm_id is back byte for byte with key $QKEY3, owner 1000:1000, mode 640 and its old id (kernel/shm_next_id written by user ipcreap under ProtectKernelTunables=yes)"

out=$(ct ipcreapctl --no-pager restore "$qid_file" </dev/null 2>&1) || fail "ipcreapctl restore $qid_file failed: $out"
file_after=$(ct stat -c '%u %g %a %s' "/dev/shm/$QFILE" </dev/null 2>&1)
[ "$file_after" = "$file_before" ] ||
        fail "restored /dev/shm/$QFILE: '$file_after' (uid gid mode size), was '$file_before' (CAP_CHOWN, @chown?)"
ct perl -e "$PATTERN_PERL; local \$/; open(my \$f, '<', '/dev/shm/$QFILE') or die; binmode \$f;
        exit(<\$f> eq pattern() ? 0 : 1)" </dev/null || fail "restored /dev/shm/$QFILE: the bytes differ"
quarantine=$(ct ipcreapctl --json quarantine </dev/null)
[ "$(jq '.entries | length' <<<"$quarantine")" = 0 ] || fail "restored entries are still listed: $quarantine"
pass "restore $qid_file: /dev/shm/$QFILE is back byte for byte (CAP_DAC_READ_SEARCH) with owner 1000:1000 (CAP_CHOWN, @chown) and mode 640"

ct ipcrm -m "$qshm_id" </dev/null || fail "removing the restored segment failed"
ct rm -f "/dev/shm/$QFILE" </dev/null
write_policy <<<"$TEST_POLICY"
ct systemctl reload ipcreapd.service </dev/null || fail "reload with the test policy failed"

# ---- d. the watchdog ----

watchdog=$(prop ipcreapd.service WatchdogUSec)
case $watchdog in
"" | 0 | infinity) fail "the watchdog is not armed: WatchdogUSec=$watchdog" ;;
esac
ct sh -c 'mkdir -p /etc/systemd/system/ipcreapd.service.d &&
        printf "[Service]\nWatchdogSec=3s\n" >/etc/systemd/system/ipcreapd.service.d/watchdog.conf' </dev/null ||
        fail "cannot write the WatchdogSec=3s drop-in"
ct systemctl daemon-reload </dev/null || fail "systemctl daemon-reload failed"
ct systemctl restart ipcreapd.service </dev/null || fail "systemctl restart ipcreapd.service failed"
[ "$(prop ipcreapd.service WatchdogUSec)" = 3s ] ||
        fail "the drop-in did not set WatchdogSec=3s: WatchdogUSec=$(prop ipcreapd.service WatchdogUSec)"
wait_until 10 service_ready || fail "ipcreapd.service not ready after the restart"
hung_pid=$(prop ipcreapd.service MainPID)
restarts=$(prop ipcreapd.service NRestarts)
ct kill -STOP "$hung_pid" </dev/null || fail "kill -STOP $hung_pid failed"
restarted() {
        local pid
        pid=$(prop ipcreapd.service MainPID)
        [ "$pid" != 0 ] && [ "$pid" != "$hung_pid" ] && service_ready &&
                [ "$(prop ipcreapd.service NRestarts)" -gt "$restarts" ]
}
wait_until 15 restarted ||
        fail "the hung ipcreapd (pid $hung_pid, SIGSTOP) was not restarted within 15 s: $(ct systemctl show -p MainPID,ActiveState,SubState,NRestarts,Result ipcreapd.service </dev/null | tr '\n' ' ')"
ct journalctl -u ipcreapd.service --no-pager -o cat </dev/null | grep -q 'Watchdog timeout' ||
        fail "the journal does not show the watchdog timeout"
pass "watchdog ($watchdog as shipped): a hung ipcreapd (pid $hung_pid) was killed on a 3s timeout and restarted as pid $(prop ipcreapd.service MainPID) (NRestarts $restarts -> $(prop ipcreapd.service NRestarts))"
ct rm /etc/systemd/system/ipcreapd.service.d/watchdog.conf </dev/null || fail "cannot remove the drop-in"
ct systemctl daemon-reload </dev/null || fail "systemctl daemon-reload failed"

# ---- e. a clean stop ----

main_pid=$(prop ipcreapd.service MainPID)
cursor=$(ct journalctl -n 1 -o json --no-pager </dev/null | jq -r .__CURSOR)
# (systemctl warns that the socket can still activate it: that is the point of the socket.)
ct systemctl stop ipcreapd.service </dev/null 2>/dev/null || fail "systemctl stop ipcreapd.service failed"
result=$(ct systemctl show -p ActiveState,Result,ExecMainCode,ExecMainStatus ipcreapd.service </dev/null |
        sort | tr '\n' ' ')
# ExecMainCode 1 is CLD_EXITED: it exited by itself, neither killed nor dumped.
[ "$result" = "ActiveState=inactive ExecMainCode=1 ExecMainStatus=0 Result=success " ] ||
        fail "ipcreapd did not stop cleanly: $result"
stopping() {
        ct journalctl --no-pager -o cat "_PID=$main_pid" </dev/null | grep -q '^Stopping'
}
wait_until 5 stopping || fail "the journal does not show ipcreapd (pid $main_pid) stopping"
log=$(ct journalctl --no-pager -o cat --after-cursor="$cursor" </dev/null)
! grep -Eiq 'dumped core|core-dump|watchdog' <<<"$log" || fail "the stop was not clean: $log"
pass "systemctl stop: ipcreapd (pid $main_pid) logged its stop and exited 0 (Result=success, no core dump)"

# ---- f. power off ----

ct systemctl poweroff --no-block </dev/null || fail "systemctl poweroff failed"
wait_until 30 eval '! container_alive' || fail "the container did not power off within 30 s"
NSPAWN_RC=0
wait "$NSPAWN" || NSPAWN_RC=$?
[ "$NSPAWN_RC" = 0 ] || fail "systemd-nspawn exited with $NSPAWN_RC after poweroff: $(tail -n 20 "$WORK/console.log")"
NSPAWN=
pass "systemctl poweroff: the container shut down and systemd-nspawn exited 0"
