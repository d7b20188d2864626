# Boots Debian bookworm with systemd as PID 1 in systemd-nspawn for the package test: the
# recipe of tests/container/test-systemd.sh (a cgroup of its own, private mount, pid and
# IPC namespaces, --volatile=overlay over a debootstrapped root), copied here so that test
# stays as it is. Source it, set TEST_NAME, WORK, ROOT_PACKAGES (what the root needs,
# comma-separated), then call container_outer "$0" "$@" first thing; the script runs again
# with --inner in the namespaces, where prepare_root, boot_container BIND... and ct work.
SUITE=bookworm

say() { echo "$TEST_NAME: $*" >&2; }
die() {
        echo "FAIL: $TEST_NAME: $*" >&2
        exit 1
}

# ---- outside: the cgroup; then the rest in private namespaces ----

CGROUP_NAME=ipcreap-$TEST_NAME.$$
CGROUPS=()
CGROUP_PARENTS=()

# A cgroup of our own under each hierarchy: a systemd started in the host's root cgroup
# would rearrange the host's cgroups, and whatever is left in ours at the end is ours.
setup_cgroups() {
        local h base field parent dir value
        for h in /sys/fs/cgroup/* /sys/fs/cgroup; do
                if [ -L "$h" ] || [ ! -e "$h/cgroup.procs" ]; then
                        continue
                fi
                base=${h##*/}
                case $base in
                systemd) field=name=systemd ;;
                unified | cgroup) field= ;;
                *) field=$base ;;
                esac
                parent=$(awk -F: -v f="$field" '$2 == f { sub(/^[^:]*:[^:]*:/, ""); print; exit }' \
                        /proc/self/cgroup)
                parent=$h${parent:-/}
                parent=${parent%/}
                dir=$parent/$CGROUP_NAME
                mkdir "$dir" || die "cannot create the cgroup $dir"
                CGROUPS+=("$dir")
                CGROUP_PARENTS+=("$parent")
                for value in cpuset.cpus cpuset.mems; do
                        if [ -e "$dir/$value" ] && [ -z "$(cat "$dir/$value")" ]; then
                                cat "$parent/$value" >"$dir/$value"
                        fi
                done
                echo $$ >"$dir/cgroup.procs" || die "cannot move the test into $dir"
        done
        [ ${#CGROUPS[@]} -gt 0 ] || die "no cgroup hierarchy under /sys/fs/cgroup"
}

remove_cgroups() {
        local i dir pid left
        for i in "${!CGROUPS[@]}"; do
                echo $$ >"${CGROUP_PARENTS[$i]}/cgroup.procs" 2>/dev/null || true
        done
        # Only processes this test started can be in there; normally there are none.
        for _ in $(seq 50); do
                left=0
                for dir in "${CGROUPS[@]}"; do
                        [ -d "$dir" ] || continue
                        while read -r pid; do
                                kill -KILL "$pid" 2>/dev/null || true
                                left=1
                        done < <(find "$dir" -name cgroup.procs -exec cat {} + 2>/dev/null)
                done
                [ $left = 0 ] && break
                sleep 0.1
        done
        for dir in "${CGROUPS[@]}"; do
                [ -d "$dir" ] || continue
                find "$dir" -depth -type d -exec rmdir {} + 2>/dev/null || true
                [ ! -d "$dir" ] || say "could not remove the cgroup $dir"
        done
}

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

# ct CMD...: runs CMD in the container, as root, with a clean environment.
ct() {
        nsenter -t "$LEADER" -a env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
                LANG=C.UTF-8 TERM=dumb SYSTEMD_PAGER= SYSTEMD_COLORS=0 DEBIAN_FRONTEND=noninteractive "$@"
}

# prop UNIT PROPERTY: one property of a unit, as systemctl show gives it.
prop() {
        ct systemctl show -p "$2" --value "$1" </dev/null
}

container_alive() {
        [ -n "$NSPAWN" ] && kill -0 "$NSPAWN" 2>/dev/null
}

pass() {
        echo "ok: $*"
}

# wait_until SECONDS CMD...: polls CMD every 0.2 s until it succeeds; fails after SECONDS.
wait_until() {
        local deadline=$(($(date +%s%N) + $1 * 1000000000))
        shift
        until "$@"; do
                [ "$(date +%s%N)" -lt $deadline ] || return 1
                sleep 0.2
        done
}

shutdown_container() {
        container_alive || return 0
        ct systemctl poweroff --no-block </dev/null >/dev/null 2>&1 || true
        if ! wait_until 30 eval '! container_alive'; then
                say "the container did not power off in 30 s; killing systemd-nspawn"
                kill -KILL "$NSPAWN" 2>/dev/null || true
        fi
        wait "$NSPAWN" 2>/dev/null || true
}

mirror() {
        local f uri
        for f in /etc/apt/sources.list.d/*.sources; do
                [ -e "$f" ] || continue
                uri=$(awk -v suite="$SUITE" '
                        function flush() { if (deb && has && uri != "" && !out) { print uri; out = 1 }
                                           deb = has = 0; uri = "" }
                        /^[ \t]*$/ { flush(); next }
                        $1 == "Types:" { for (i = 2; i <= NF; i++) if ($i == "deb") deb = 1 }
                        $1 == "Suites:" { for (i = 2; i <= NF; i++) if ($i == suite) has = 1 }
                        $1 == "URIs:" { uri = $2 }
                        END { flush() }' "$f")
                [ -n "$uri" ] && { echo "$uri"; return; }
        done
        for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
                [ -e "$f" ] || continue
                uri=$(sed -E 's/\[[^]]*\]//' "$f" |
                        awk -v suite="$SUITE" '$1 == "deb" && $3 == suite { print $2; exit }')
                [ -n "$uri" ] && { echo "$uri"; return; }
        done
        echo http://deb.debian.org/debian
}

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
