# Shared by the tests that boot Debian with systemd as PID 1 in systemd-nspawn
# (tests/container/test-systemd.sh, tests/package/test-package.sh): a cgroup of their own,
# running commands in the container, waiting, stopping it, and the Debian mirror to
# debootstrap from. The caller sets TEST_NAME, CGROUP_NAME, SUITE, NSPAWN and LEADER.

CGROUPS=()
CGROUP_PARENTS=()
NSPAWN=
LEADER=

setup_cgroups() {
        local h base field parent dir value
        for h in /sys/fs/cgroup/* /sys/fs/cgroup; do
                # cpu and cpuacct are often links to cpu,cpuacct; /sys/fs/cgroup itself is a
                # hierarchy only on a pure cgroup v2 system.
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
        NSPAWN_RC=0
        wait "$NSPAWN" 2>/dev/null || NSPAWN_RC=$?
}

mirror() {
        local f uri
        for f in /etc/apt/sources.list.d/*.sources; do
                [ -e "$f" ] || continue
                # deb822 stanzas: the first URI of a "deb" stanza for our suite.
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
