#!/bin/bash
# Times one walk for message-queue waiters (queue_waiters_read(), issue 8) with 2,000
# sleeping processes (every tenth with three more threads, 100 of them blocked in msgrcv)
# and 1,000 candidate queues (idle, their pids dead), in private IPC and pid namespaces so
# the walk sees exactly those. Prints the median of several passes.
#
#   bench/queue-waiters.sh [--processes N] [--queues N] [--waiters N] [--runs N]
#   (as root; BUILD=DIR selects the build directory, default build/)
set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-$TOP/build}
case "$BUILD" in /*) ;; *) BUILD=$TOP/$BUILD ;; esac

if [ "$(id -u)" != 0 ]; then
        echo "bench/queue-waiters.sh needs root (private IPC and pid namespaces)." >&2
        exit 1
fi
make -C "$TOP" BUILD="$BUILD" all >&2
mkdir -p "$BUILD/bench"
cc -std=c17 -D_GNU_SOURCE -O2 -Wall -Wextra -I"$TOP/common" -I"$TOP/daemon" \
   -o "$BUILD/bench/queue-waiters" "$TOP/bench/queue-waiters.c" \
   "$BUILD/libipcreap-daemon.a" "$BUILD/libipcreap-common.a" \
   $(pkg-config --libs libsystemd inih jansson) -lpthread

echo "kernel $(uname -r), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
IPCREAP_BENCH_HOST_IPC_NS=$(readlink /proc/self/ns/ipc)
IPCREAP_BENCH_DAEMON=$BUILD/ipcreapd
export IPCREAP_BENCH_HOST_IPC_NS IPCREAP_BENCH_DAEMON
exec unshare --ipc --pid --fork --mount-proc --kill-child "$BUILD/bench/queue-waiters" "$@"
