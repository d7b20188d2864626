#!/bin/sh
# Makes sure what ipcreap needs is installed: "build" for compiling, "test" for make check
# (the lines after clang-format: make deb and package-check; the fleet tests; completion).
# As root on Debian, missing packages are installed with apt-get; otherwise this says
# exactly what to install and fails.
set -eu

# package: building the .deb (make deb). unit: the unit tests alone (make test, which the
# package build runs).
package_tools="debhelper dpkg-dev fakeroot"
case "${1:-}" in
build) packages="gcc make pkg-config libsystemd-dev libinih-dev libjansson-dev" ;;
unit) packages="libcmocka-dev util-linux" ;;
package) packages="$package_tools" ;;
test) packages="libcmocka-dev clang libclang-rt-14-dev valgrind cppcheck util-linux procps
                postgresql groff-base man-db systemd jq debootstrap systemd-container
                clang-format
                $package_tools lintian
                prometheus prometheus-node-exporter curl
                bash-completion" ;;
*) echo "usage: $0 build|unit|package|test" >&2; exit 2 ;;
esac

if ! command -v dpkg-query >/dev/null 2>&1; then
        # Not Debian: trust the compiler to complain, but say what is needed.
        if [ "$1" = build ] && ! pkg-config --exists libsystemd inih jansson 2>/dev/null; then
                echo "ipcreap needs the development files of libsystemd, inih and jansson" \
                     "(and pkg-config); install them with your package manager." >&2
                exit 1
        fi
        exit 0
fi

missing=""
for p in $packages; do
        status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
        case "$status" in
        *"install ok installed"*) ;;
        *) missing="$missing $p" ;;
        esac
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
        echo "Missing packages:$missing" >&2
        echo "Install them with: sudo apt-get install$missing" >&2
        exit 1
fi

echo "Installing missing packages:$missing"
export DEBIAN_FRONTEND=noninteractive
# shellcheck disable=SC2086
if ! apt-get install -y --no-install-recommends $missing; then
        apt-get update
        # shellcheck disable=SC2086
        apt-get install -y --no-install-recommends $missing
fi
