#!/bin/bash
# The Debian package: builds it (dpkg-buildpackage, as `make deb` does) and a second one
# with a higher version, runs lintian, then in a pristine Debian 12 container with systemd
# as PID 1: installs it (the ipcreap system user from sysusers; ipcreapd.socket and
# ipcreapd.service enabled and running, as ipcreap; `ipcreapctl status` answers), edits
# /etc/ipcreap/ipcreap.conf and upgrades to the newer build (the edit is kept, the daemon
# restarted with the new version), and purges it (nothing of it is left but the system
# user, which Debian leaves on purge). Root; reuses the debootstrapped root of
# tests/container/test-systemd.sh. Both packages are built once per run.
set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=$(cd "${BUILD:-$TOP/build}" && pwd)
export BUILD
TEST_NAME=test-package
WORK=$BUILD/package
DEBS=$WORK/debs
# What the container needs: systemd as init, the libraries the package depends on, ps.
ROOT_PACKAGES=systemd,systemd-sysv,dbus,libinih1,libjansson4,procps
source "$TOP/tests/package/container-lib.sh"

# ---- outside: build both packages, lintian ----

if [ "${1:-}" != --inner ]; then
        for tool in dpkg-buildpackage:dpkg-dev dh:debhelper lintian:lintian; do
                command -v "${tool%%:*}" >/dev/null 2>&1 ||
                        die "missing ${tool%%:*} (package ${tool#*:}; tests/deps.sh test installs it)"
        done
        t0=$(date +%s)
        START=$t0
        export START
        rm -rf "$DEBS"
        # The unit tests ran in make check already: nocheck keeps the builds short.
        export DEB_BUILD_OPTIONS="nocheck parallel=$(nproc)"
        DEB1=$("$TOP/tests/package/build-deb.sh" "$DEBS" | tail -n 1) || die "building the package failed"
        V1=$(dpkg-deb -f "$DEB1" Version)
        V2=$V1+upgradetest1
        DEB2=$("$TOP/tests/package/build-deb.sh" "$DEBS" "$V2" | tail -n 1) || die "building the newer package failed"
        [ "$(dpkg-deb -f "$DEB2" Version)" = "$V2" ] || die "the second package is not version $V2"
        dpkg --compare-versions "$V2" gt "$V1" || die "$V2 is not newer than $V1"
        pass "dpkg-buildpackage -us -uc -b built ${DEB1#"$BUILD"/} and ${DEB2#"$BUILD"/} in $(($(date +%s) - t0))s"

        # The whole upload of the first build: the .deb, the .buildinfo and the .changes.
        changes=${DEB1%.deb}.changes
        lintian_out=$(lintian --fail-on error,warning --info "$changes" 2>&1 | grep -v 'running with root privileges' || true)
        if ! lintian --fail-on error,warning "$changes" >/dev/null 2>&1; then
                die "lintian found errors or warnings in ${changes##*/}: $lintian_out"
        fi
        if grep -q '^[EW]:' <<<"$lintian_out"; then
                die "lintian: $lintian_out"
        fi
        pass "lintian --fail-on error,warning ${changes##*/}: no errors or warnings$(
                n=$(grep -c '^[IPN]:' <<<"$lintian_out" || true); [ "$n" = 0 ] || echo " ($n info lines: $(tr '\n' ' ' <<<"$lintian_out"))")"
        export DEB1 DEB2 V1 V2
fi
container_outer "$0" "$@"

# ---- inside the private namespaces ----

[ "$(readlink /proc/self/ns/ipc)" != "$HOST_IPC_NS" ] || die "still in the host's IPC namespace"
trap 'exit 130' INT TERM

fail() {
        echo "FAIL: $TEST_NAME: $*" >&2
        if [ -n "$LEADER" ] && container_alive; then
                echo "--- journalctl -u ipcreapd (in the container) ---" >&2
                ct journalctl -u ipcreapd.service --no-pager </dev/null 2>&1 | tail -n 30 >&2 || true
        fi
        exit 1
}

prepare_root
boot_container --bind-ro="$DEBS:/debs"

# dpkg_in DEB: dpkg -i in the container, never waiting for a question (there must be none).
dpkg_in() {
        local out
        out=$(timeout 120 nsenter -t "$LEADER" -a env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
                LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive dpkg "$@" </dev/null 2>&1) ||
                fail "dpkg $* failed: $out"
        echo "$out"
}

# ---- install: the user, the units enabled and running as it, ipcreapctl status ----

dpkg_in -i "/debs/${DEB1##*/}" >"$WORK/install.log"
[ "$(ct dpkg-query -W -f '${Status} ${Version}' ipcreap </dev/null)" = "install ok installed $V1" ] ||
        fail "ipcreap $V1 is not installed: $(ct dpkg-query -W ipcreap </dev/null 2>&1)"
user=$(ct getent passwd ipcreap </dev/null) || fail "the package did not create the user ipcreap"
uid=$(cut -d: -f3 <<<"$user")
[ "$uid" -lt 1000 ] || fail "ipcreap is not a system user: $user"
for unit in ipcreapd.socket ipcreapd.service; do
        [ "$(ct systemctl is-enabled $unit </dev/null 2>&1)" = enabled ] ||
                fail "$unit is not enabled: $(ct systemctl is-enabled $unit </dev/null 2>&1)"
done
service_running() {
        [ "$(prop ipcreapd.socket ActiveState)" = active ] &&
                [ "$(prop ipcreapd.service ActiveState)/$(prop ipcreapd.service SubState)" = active/running ] &&
                [[ "$(prop ipcreapd.service StatusText)" =~ ^[0-9]+\ objects ]]
}
wait_until 15 service_running ||
        fail "after install ipcreapd is not running: $(ct systemctl status ipcreapd.socket ipcreapd.service --no-pager </dev/null 2>&1 | head -n 20)"
pid1=$(prop ipcreapd.service MainPID)
proc_uid=$(ct awk '/^Uid:/ { print $2 }' "/proc/$pid1/status" </dev/null)
[ "$proc_uid" = "$uid" ] || fail "ipcreapd (pid $pid1) runs as uid $proc_uid, not ipcreap ($uid)"
out=$(ct ipcreapctl --no-pager status </dev/null 2>&1) || fail "ipcreapctl status failed: $out"
grep -q "^ipcreapd $V1, running since" <<<"$out" || fail "ipcreapctl status: $out"
[ "$(ct stat -c %U /var/lib/ipcreap </dev/null)" = ipcreap ] || fail "/var/lib/ipcreap is not the daemon's"
for f in /usr/share/bash-completion/completions/ipcreapctl /usr/share/ipcreap/prometheus/ipcreap.rules.yml \
        /usr/share/ipcreap/grafana/ipcreap.json /usr/share/man/man1/ipcreapctl.1.gz; do
        ct test -s "$f" </dev/null || fail "the package lacks $f"
done
ct dpkg-query -W -f '${Conffiles}\n' ipcreap </dev/null | grep -q '^ /etc/ipcreap/ipcreap.conf ' ||
        fail "/etc/ipcreap/ipcreap.conf is not a conffile"
pass "dpkg -i: user ipcreap (uid $uid) created, ipcreapd.socket and ipcreapd.service enabled and running as ipcreap (pid $pid1), 'ipcreapctl status' answers ipcreapd $V1; the policy is a conffile"

# ---- upgrade: the edited policy is kept, the daemon restarted with the new version ----

ct sed -i -e 's/^ScanIntervalSec=.*/ScanIntervalSec=7s/' -e '1i # edited by the admin (test-package)' \
        /etc/ipcreap/ipcreap.conf </dev/null || fail "cannot edit the policy"
ct systemctl reload ipcreapd.service </dev/null || fail "reload with the edited policy failed"
before=$(ct sha256sum /etc/ipcreap/ipcreap.conf </dev/null)
dpkg_in -i "/debs/${DEB2##*/}" >"$WORK/upgrade.log"
[ "$(ct dpkg-query -W -f '${Status} ${Version}' ipcreap </dev/null)" = "install ok installed $V2" ] ||
        fail "ipcreap $V2 is not installed after the upgrade"
[ "$(ct sha256sum /etc/ipcreap/ipcreap.conf </dev/null)" = "$before" ] ||
        fail "the upgrade changed the edited /etc/ipcreap/ipcreap.conf: $(ct head -n 3 /etc/ipcreap/ipcreap.conf </dev/null)"
ct test ! -e /etc/ipcreap/ipcreap.conf.dpkg-dist </dev/null || fail "the upgrade left ipcreap.conf.dpkg-dist"
restarted() {
        local pid
        pid=$(prop ipcreapd.service MainPID)
        [ "$pid" != 0 ] && [ "$pid" != "$pid1" ] && service_running
}
wait_until 15 restarted || fail "ipcreapd was not restarted by the upgrade (MainPID $(prop ipcreapd.service MainPID), was $pid1)"
out=$(ct ipcreapctl --no-pager status </dev/null 2>&1) || fail "ipcreapctl status after the upgrade failed: $out"
grep -q "^ipcreapd $V2, running since" <<<"$out" || fail "after the upgrade the daemon is not $V2: $out"
grep -q "Policy: scan every 7s" <<<"$out" || fail "after the upgrade the daemon does not run the edited policy: $out"
for unit in ipcreapd.socket ipcreapd.service; do
        [ "$(ct systemctl is-enabled $unit </dev/null 2>&1)" = enabled ] || fail "$unit is not enabled after the upgrade"
done
pass "upgrade to $V2: the edited ipcreap.conf kept byte for byte, no prompt, ipcreapd restarted (pid $pid1 -> $(prop ipcreapd.service MainPID)) as $V2 with the edited policy (scan every 7s)"

# ---- purge: nothing left but the system user ----

ct ipcreapctl --no-pager scan </dev/null >/dev/null 2>&1 || true # state in /var/lib/ipcreap
dpkg_in --purge ipcreap >"$WORK/purge.log"
status=$(ct dpkg-query -W -f '${Status}' ipcreap </dev/null 2>&1 || true)
case $status in
*"not-installed"* | *"no packages found"*) ;;
*) fail "after purge dpkg says: $status" ;;
esac
for path in /etc/ipcreap /var/lib/ipcreap /run/ipcreap /usr/sbin/ipcreapd /usr/bin/ipcreapctl \
        /lib/systemd/system/ipcreapd.service /lib/systemd/system/ipcreapd.socket \
        /usr/lib/sysusers.d/ipcreap.conf /usr/share/doc/ipcreap /usr/share/ipcreap; do
        ct test ! -e "$path" </dev/null || fail "purge left $path"
done
left=$(ct find / -xdev \( -path /proc -o -path /sys -o -path /debs -o -path /dev \) -prune -o \
        \( -name '*ipcreap*' -print \) </dev/null 2>/dev/null || true)
[ -z "$left" ] || fail "purge left files named after ipcreap: $left"
[ "$(prop ipcreapd.service LoadState)" = not-found ] && [ "$(prop ipcreapd.socket LoadState)" = not-found ] ||
        fail "systemd still knows the units: $(prop ipcreapd.service LoadState) $(prop ipcreapd.socket LoadState)"
procs=$(ct ps -u ipcreap -o pid= </dev/null 2>/dev/null || true)
[ -z "$procs" ] || fail "processes of ipcreap survive the purge: $procs"
ct getent passwd ipcreap >/dev/null </dev/null ||
        fail "the system user ipcreap is gone: Debian leaves system users on purge (files may still be theirs)"
pass "dpkg --purge: no /etc/ipcreap, /var/lib/ipcreap, /run/ipcreap, units, binaries or files named ipcreap; the system user stays (Debian practice)"

ct systemctl poweroff --no-block </dev/null || fail "systemctl poweroff failed"
wait_until 30 eval '! container_alive' || fail "the container did not power off within 30 s"
wait "$NSPAWN" || true
NSPAWN=
