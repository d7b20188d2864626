#!/bin/sh
# Checks the systemd units as they would be installed, pointing at the binaries in BUILD:
# systemd-analyze verify (unknown keys fatal) and the offline security exposure score,
# which must be 1.7 or lower (1.5 until the quarantine: restoring a POSIX file's owner needs
# CAP_CHOWN and the @chown calls, which systemd-analyze scores 0.2 each).
set -eu
build=$1
dir=$build/units-check
mkdir -p "$dir"
sed -e "s|@SBINDIR@|$build|g" -e "s|@BINDIR@|$build|g" systemd/ipcreapd.service.in \
        >"$dir/ipcreapd.service"
cp systemd/ipcreapd.socket "$dir/"

# verify needs the socket next to the service it is for; --man=no because the pages are
# not installed here (tests/man-check.sh checks them).
systemd-analyze verify --man=no --recursive-errors=yes \
        "$dir/ipcreapd.service" "$dir/ipcreapd.socket"
echo "systemd-analyze verify: ipcreapd.service and ipcreapd.socket are valid"

score=$(systemd-analyze security --offline=true "$dir/ipcreapd.service" |
        sed -n 's/.*Overall exposure level for ipcreapd.service: \([0-9.]*\).*/\1/p')
[ -n "$score" ] || { echo "units-check: no exposure score" >&2; exit 1; }
echo "systemd-analyze security: exposure $score (must be 1.7 or lower)"
awk -v s="$score" 'BEGIN { exit !(s <= 1.7) }' || {
        systemd-analyze security --offline=true "$dir/ipcreapd.service" | grep '✗' >&2
        exit 1
}

# The sysusers file must create the user, into a scratch root.
rm -rf "$dir/root" && mkdir -p "$dir/root/etc"
systemd-sysusers --root="$dir/root" "$PWD/systemd/ipcreap.sysusers" >/dev/null 2>&1
grep -q '^ipcreap:' "$dir/root/etc/passwd"
echo "sysusers.d/ipcreap.conf: creates the ipcreap user"
