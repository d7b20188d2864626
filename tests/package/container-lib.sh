# Boots Debian bookworm with systemd as PID 1 in systemd-nspawn for the package test: the
# recipe of tests/container/test-systemd.sh (a cgroup of its own, private mount, pid and
# IPC namespaces, --volatile=overlay over a debootstrapped root), with the helpers both
# share in tests/container/lib.sh. Source it, set TEST_NAME, WORK, ROOT_PACKAGES (what the
# root needs, comma-separated), then call container_outer "$0" "$@" first thing; the script
# runs again with --inner in the namespaces, where prepare_root, boot_container BIND... and
# ct work.
SUITE=bookworm
# shellcheck source=tests/container/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../container/lib.sh"

say() { echo "$TEST_NAME: $*" >&2; }
die() {
        echo "FAIL: $TEST_NAME: $*" >&2
        exit 1
}

# ---- outside: the cgroup; then the rest in private namespaces ----

CGROUP_NAME=ipcreap-$TEST_NAME.$$

# container_outer SCRIPT ARGS...: unless already inside, runs SCRIPT --inner in a cgroup
# and private namespaces of its own, checks nothing is left on the host, and exits.
container_outer() {
        local script=$1 rc volatile_before d left
        shift
        [ "${1:-}" = --inner ] && return 0
        [ "$(id -u)" = 0 ] || die "must run as root: it boots a container with systemd-nspawn"
        for tool in debootstrap:debootstrap systemd-nspawn:systemd-container \
                nsenter:util-linux unshare:util-linux pgrep:procps; do
                command -v "${tool%%:*}" >/dev/null 2>&1 ||
                        die "missing ${tool%%:*} (package ${tool#*:}; tests/deps.sh test installs it)"
        done
        START=${START:-$(date +%s)}
        HOST_IPC_NS=$(readlink /proc/self/ns/ipc)
        export START HOST_IPC_NS
        setup_cgroups
        trap remove_cgroups EXIT
        trap 'exit 130' INT
        trap 'exit 143' TERM HUP
        volatile_before=$(find /tmp -maxdepth 1 -name 'nspawn-volatile-*' 2>/dev/null | sort)
        unshare --mount --pid --ipc --fork --mount-proc --kill-child "$script" --inner "$@" &
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
}

# ---- inside the private namespaces ----

NSPAWN=
LEADER=

# stamp_has STAMP PACKAGES: the root made with STAMP included every one of PACKAGES.
stamp_has() {
        local include p
        include=$(sed -n 's/.*include=\([^ ]*\).*/\1/p' "$1" 2>/dev/null)
        grep -q "^suite=$SUITE variant=minbase " "$1" 2>/dev/null || return 1
        for p in ${2//,/ }; do
                [[ ",$include," == *",$p,"* ]] || return 1
        done
}

# prepare_root: sets ROOT. The root of tests/container/test-systemd.sh
# ($BUILD/container/root) when it has what we need (make check makes it first: one
# debootstrap for both tests), or one of our own in $WORK/root, made once.
prepare_root() {
        local uri want="suite=$SUITE variant=minbase include=$ROOT_PACKAGES"
        if [ -d "$BUILD/container/root" ] && stamp_has "$BUILD/container/root.stamp" "$ROOT_PACKAGES"; then
                ROOT=$BUILD/container/root
                return 0
        fi
        ROOT=$WORK/root
        if [ -d "$ROOT" ] && [ "$(cat "$WORK/root.stamp" 2>/dev/null)" = "$want" ]; then
                return 0
        fi
        uri=$(mirror)
        say "making the container's root file system with debootstrap from $uri (one to three minutes, once)"
        mkdir -p "$WORK"
        rm -f "$WORK/root.stamp"
        rm -rf --one-file-system "$ROOT" "$ROOT.new"
        debootstrap --variant=minbase --include="$ROOT_PACKAGES" "$SUITE" "$ROOT.new" "$uri" \
                >"$WORK/debootstrap.log" 2>&1 ||
                { tail -n 20 "$WORK/debootstrap.log" >&2; die "debootstrap failed (log: $WORK/debootstrap.log)"; }
        mv "$ROOT.new" "$ROOT"
        echo "$want" >"$WORK/root.stamp"
}

# boot_container NSPAWN-ARGS...: boots $ROOT (volatile) and waits until systemd is up.
boot_container() {
        # After debootstrap, which may need the host's /run (resolv.conf): nspawn writes there.
        mount -t tmpfs -o mode=0755 tmpfs /run
        systemd-nspawn --register=no --keep-unit --quiet --volatile=overlay -D "$ROOT" \
                "$@" --console=pipe --boot </dev/null >"$WORK/console.log" 2>&1 &
        NSPAWN=$!
        trap 'shutdown_container' EXIT
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
        local ipc_ns system_state=
        ipc_ns=$(readlink "/proc/$LEADER/ns/ipc")
        [ "$ipc_ns" != "$HOST_IPC_NS" ] || fail "the container shares the host's IPC namespace"
        booted() {
                system_state=$(ct systemctl is-system-running --wait </dev/null 2>/dev/null) || true
                case $system_state in running | degraded) return 0 ;; *) return 1 ;; esac
        }
        wait_until 60 booted || fail "the container did not finish booting: is-system-running says '$system_state'"
        # nspawn copies a /dev/null of mode 0620 from some hosts; dpkg's scripts need it.
        ct chmod 666 /dev/null </dev/null || fail "chmod 666 /dev/null in the container failed"
        pass "systemd $(ct systemctl --version </dev/null | awk 'NR == 1 { print $2 }') booted in the container ($system_state)"
}
