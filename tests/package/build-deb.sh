#!/bin/bash
# Builds the Debian package with `dpkg-buildpackage -us -uc -b` in a copy of the tree, so
# that the .deb (which dpkg-buildpackage writes into the parent of the source directory)
# lands in OUTDIR and nothing is written next to the checkout.
#
# usage: build-deb.sh OUTDIR [VERSION]
# With VERSION, the copy gets a new debian/changelog entry for it first (the package test
# builds a "newer" package this way). The copy is the files git knows, committed or not
# (a fresh clone builds the same as a working tree); without git, the tree minus build*/.
# DEB_BUILD_OPTIONS passes through (the package test sets nocheck: make check has run the
# unit tests already). Prints the path of the .deb on its last line.
set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
OUT=${1:?usage: build-deb.sh OUTDIR [VERSION]}
VERSION=${2:-}

mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
src_version=${VERSION:-$(dpkg-parsechangelog -l "$TOP/debian/changelog" -S Version)}
SRC=$OUT/ipcreap-$src_version
rm -rf "$SRC"
mkdir -p "$SRC"

if git -C "$TOP" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
        # Files deleted in the work tree but still in the index are skipped.
        (cd "$TOP" && git ls-files -z --cached --others --exclude-standard |
                while IFS= read -r -d '' f; do { [ -e "$f" ] || [ -L "$f" ]; } && printf '%s\0' "$f"; done |
                tar --null -T - -cf - | tar -xf - -C "$SRC")
else
        (cd "$TOP" && find . -mindepth 1 -maxdepth 1 ! -name 'build*' ! -name .git -print0 |
                xargs -0 cp -a -t "$SRC")
fi

if [ -n "$VERSION" ]; then
        # A new top entry, as dch would write it (dch is in devscripts, not needed here).
        maint=$(dpkg-parsechangelog -l "$SRC/debian/changelog" -S Maintainer)
        {
                printf 'ipcreap (%s) unstable; urgency=medium\n\n' "$VERSION"
                printf '  * Test build %s.\n\n' "$VERSION"
                printf ' -- %s  %s\n\n' "$maint" "$(date -R)"
                cat "$SRC/debian/changelog"
        } >"$SRC/debian/changelog.new"
        mv "$SRC/debian/changelog.new" "$SRC/debian/changelog"
fi

version=$(dpkg-parsechangelog -l "$SRC/debian/changelog" -S Version)
arch=$(dpkg-architecture -q DEB_HOST_ARCH)
deb=$OUT/ipcreap_${version}_${arch}.deb
rm -f "$deb"
(cd "$SRC" && dpkg-buildpackage -us -uc -b) >"$OUT/build-$version.log" 2>&1 || {
        tail -n 40 "$OUT/build-$version.log" >&2
        echo "build-deb.sh: dpkg-buildpackage failed (log: $OUT/build-$version.log)" >&2
        exit 1
}
[ -f "$deb" ] || { echo "build-deb.sh: no $deb after the build" >&2; exit 1; }
echo "$deb"
