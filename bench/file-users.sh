#!/bin/bash
# Times the POSIX in-use walk (file_users_read(), issue 9) with 2,000 processes each mapping a
# few of 10,000 files, in private IPC, mount and pid namespaces with a fresh tmpfs on
# /dev/shm, so the walk, the floor, lsof and fuser see exactly those. Prints medians.
#
#   bench/file-users.sh [--processes N] [--files N] [--maps-per-process N] [--runs N]
#                       [--exec CMD]   (runs CMD with the processes in place, instead of timing)
#   (as root; BUILD=DIR selects the build directory, default build/)
set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-$TOP/build}
case "$BUILD" in /*) ;; *) BUILD=$TOP/$BUILD ;; esac

if [ "$(id -u)" != 0 ]; then
        echo "bench/file-users.sh needs root (private mount, IPC and pid namespaces)." >&2
        exit 1
fi
for tool in lsof fuser; do
        command -v "$tool" >/dev/null || { echo "bench/file-users.sh needs $tool." >&2; exit 1; }
done
make -C "$TOP" BUILD="$BUILD" "$BUILD/libipcreap-daemon.a" "$BUILD/libipcreap-common.a" >&2
mkdir -p "$BUILD/bench"
cc -std=c17 -D_GNU_SOURCE -O2 -Wall -Wextra -I"$TOP/common" -I"$TOP/daemon" \
   -o "$BUILD/bench/file-users" "$TOP/bench/file-users.c" \
   "$BUILD/libipcreap-daemon.a" "$BUILD/libipcreap-common.a" \
   $(pkg-config --libs libsystemd inih jansson) -lpthread

echo "kernel $(uname -r), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg); $(lsof -v 2>&1 | sed -n 's/^ *revision: *//p' | sed 's/^/lsof /')"
IPCREAP_BENCH_HOST_IPC_NS=$(readlink /proc/self/ns/ipc)
IPCREAP_BENCH_HOST_SHM_DEV=$(stat -c %d /dev/shm)
export IPCREAP_BENCH_HOST_IPC_NS IPCREAP_BENCH_HOST_SHM_DEV
# The tmpfs is mounted in the private mount namespace only; it and the files vanish with it.
exec unshare --ipc --mount --propagation private --pid --fork --mount-proc --kill-child \
        sh -c 'mount -t tmpfs -o size=256m,mode=1777 tmpfs /dev/shm && exec "$0" "$@"' \
        "$BUILD/bench/file-users" "$@"
