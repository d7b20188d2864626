#!/bin/bash
# Benchmarks a dry-run pass over POSIX shared memory (issue 9): 10,000 files in a private
# /dev/shm and 2,000 processes each mapping a few of them (every 4th also holding one open),
# a policy that judges every file (Kind=posix-shm, MinIdleSec=0, RequireDeadPids=no: every
# file nobody maps or holds is an orphan), timed as a whole process against the floor
# (bench/posix-floor.c: read every maps file, list and readlink every fd, stat every file),
# lsipc -M (listing only, where util-linux has it), ls, lsof and fuser -m over the same
# files. In the same rounds, a running daemon's first pass and a steady-state pass where
# nothing changed (issue 12), against the same floor. Medians of interleaved runs; ratios
# against the floor and lsof of the same run.
#
#   bench/posix.sh [--quick] [--files N] [--processes N] [--maps N] [--runs N]
#   (as root; BUILD=DIR selects the build directory, default build/)
#
# Everything runs in private IPC, mount and pid namespaces, on a tmpfs mounted on /dev/shm
# in the private mount namespace only: the host's /dev/shm is never seen or touched.
set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-$TOP/build}
case "$BUILD" in /*) ;; *) BUILD=$TOP/$BUILD ;; esac
BENCH_BIN=$BUILD/bench
REPORT=$BENCH_BIN/posix-report.txt

ARGS=("$@")
FILES=10000 PROCESSES=2000 MAPS=3 OPEN_EVERY=4 RUNS=5
while [ $# -gt 0 ]; do
        case "$1" in
        --quick) FILES=2000 PROCESSES=400 RUNS=3 ;;
        --files) FILES=$2; shift ;;
        --processes) PROCESSES=$2; shift ;;
        --maps) MAPS=$2; shift ;;
        --runs) RUNS=$2; shift ;;
        -h | --help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "bench/posix.sh: unknown argument \"$1\" (see --help)" >&2; exit 2 ;;
        esac
        shift
done

progress() {
        echo "bench: $*" >&2
}

# ---- outside the namespaces: checks, tools, build; then run again isolated ----

if [ -z "${IPCREAP_BENCH_ISOLATED:-}" ]; then
        if [ "$(id -u)" != 0 ]; then
                echo "bench/posix.sh needs root (private mount, IPC and pid namespaces)." >&2
                exit 1
        fi
        # Installs the Debian package that provides a missing command, when we can.
        need() {
                local command=$1 package=$2
                command -v "$command" >/dev/null 2>&1 && return 0
                if command -v apt-get >/dev/null 2>&1; then
                        progress "installing $package for $command"
                        apt-get install -y -q "$package" >&2 ||
                                { apt-get update -q >&2 && apt-get install -y -q "$package" >&2; }
                fi
                command -v "$command" >/dev/null 2>&1 && return 0
                echo "bench/posix.sh: $command is missing; install $package." >&2
                exit 1
        }
        need unshare util-linux
        need lsipc util-linux
        need lsof lsof
        need fuser psmisc
        need cc gcc
        need make make

        progress "building ipcreapd in $BUILD"
        make -C "$TOP" BUILD="$BUILD" all >&2
        mkdir -p "$BENCH_BIN"
        for program in posix-floor posix-populate timecmd; do
                cc -std=c17 -D_GNU_SOURCE -O2 -Wall -Wextra -o "$BENCH_BIN/$program" \
                   "$TOP/bench/$program.c"
        done

        IPCREAP_BENCH_HOST_IPC_NS=$(readlink /proc/self/ns/ipc)
        IPCREAP_BENCH_HOST_SHM_DEV=$(stat -c %d /dev/shm)
        export IPCREAP_BENCH_ISOLATED=1 IPCREAP_BENCH_HOST_IPC_NS IPCREAP_BENCH_HOST_SHM_DEV BUILD
        set +e
        unshare --ipc --mount --propagation private --pid --fork --mount-proc --kill-child \
                "$0" "${ARGS[@]}" | tee "$REPORT"
        status=${PIPESTATUS[0]}
        set -e
        progress "report written to $REPORT"
        exit "$status"
fi

# ---- inside the private namespaces ----

ns=$(readlink /proc/self/ns/ipc)
if [ "$$" != 1 ] || [ -z "$ns" ] || [ "$ns" = "${IPCREAP_BENCH_HOST_IPC_NS:-}" ] ||
   [ "$ns" = "ipc:[4026531839]" ]; then
        echo "bench/posix.sh: refusing to run outside private IPC and pid namespaces." >&2
        exit 1
fi
# Our own /dev/shm, and an empty mqueue mount where the host has /dev/mqueue (so that the
# pass lists nothing of the host's). Where it has none, none is made: its /dev may be the
# host's devtmpfs.
mount -t tmpfs -o nosuid,nodev,mode=1777,size=512m ipcreap-bench-shm /dev/shm
[ "$(stat -c %d /dev/shm)" != "$IPCREAP_BENCH_HOST_SHM_DEV" ] || {
        echo "bench/posix.sh: /dev/shm is still the host's; refusing." >&2
        exit 1
}
[ ! -d /dev/mqueue ] || mount -t mqueue ipcreap-bench-mqueue /dev/mqueue

IPCREAPD=$BUILD/ipcreapd
IPCREAPCTL=$BUILD/ipcreapctl
FLOOR=$BENCH_BIN/posix-floor
POPULATE=$BENCH_BIN/posix-populate
TIMECMD=$BENCH_BIN/timecmd

TMP=$(mktemp -d /tmp/ipcreap-bench-posix.XXXXXX)
cleanup() {
        [ -z "${INC_PID:-}" ] || kill -TERM "$INC_PID" 2>/dev/null || true
        if [ -n "${KEEP_TMP:-}" ]; then
                progress "kept $TMP"
        else
                rm -rf "$TMP"
        fi
}
trap cleanup EXIT
mkdir "$TMP/times"
# The running daemon's first and steady-state passes (inc_round).
# shellcheck source=bench/incremental.sh
. "$TOP/bench/incremental.sh"

# ---- helpers (as bench/run.sh) ----

timeit() {
        local name=$1
        shift
        "$TIMECMD" "$TMP/times/$name" "$@" >/dev/null 2>>"$TMP/times/$name.log" || true
}
field() { awk -v c="$2" '{ print $c }' "$TMP/times/$1"; }
median() {
        sort -g | awk '{ v[NR] = $1 } END {
                if (NR == 0) { print "nan"; exit }
                if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
min_of() { sort -g | head -n 1; }
max_of() { sort -g | tail -n 1; }
failures() { awk '$3 != 0 { n++ } END { print n + 0 }' "$TMP/times/$1"; }
ms() { awk -v s="$1" 'BEGIN { printf "%.1f", s * 1000 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "nan" }'; }
verdict() {
        awk -v v="$1" -v op="$2" -v l="$3" 'BEGIN {
                ok = (op == "<=") ? v <= l : (op == "<") ? v < l : 0
                if (v == "nan") ok = 0
                print ok ? "met" : "NOT MET" }'
}
row() {
        local label=$1 name=$2 f
        printf '  %-44s %9s %9s %9s %9s %9s MiB' "$label" \
                "$(ms "$(field "$name" 1 | median)")" "$(ms "$(field "$name" 1 | min_of)")" \
                "$(ms "$(field "$name" 1 | max_of)")" "$(ms "$(field "$name" 4 | median)")" \
                "$(awk -v k="$(field "$name" 2 | max_of)" 'BEGIN { printf "%.1f", k / 1024 }')"
        f=$(failures "$name")
        [ "$f" = 0 ] && echo || echo "  ($f run(s) failed: $(head -c 300 "$TMP/times/$name.log"))"
}

# ---- the scene ----

progress "creating $FILES files and $PROCESSES processes"
"$POPULATE" "$FILES" "$PROCESSES" "$MAPS" "$OPEN_EVERY" >"$TMP/populate.out" 2>&1 &
populate_pid=$!
for ((i = 0; i < 1200; i++)); do
        grep -q '^ready ' "$TMP/populate.out" && break
        kill -0 "$populate_pid" 2>/dev/null || { cat "$TMP/populate.out" >&2; exit 1; }
        sleep 0.1
done
read -r _ USED UNUSED <"$TMP/populate.out" || true
[ -n "${UNUSED:-}" ] || { echo "bench/posix.sh: the scene was not ready in 120 s" >&2; exit 1; }

cat >"$TMP/policy.conf" <<'P'
[Daemon]
MaxReapsPerScan=0
[Rule every-file]
Kind=posix-shm
MinIdleSec=0
RequireDeadPids=no
P
# The pass must judge what the scene says, or its time means nothing.
summary=$("$IPCREAPD" --once --dry-run --config "$TMP/policy.conf" --state-dir "$TMP/check" \
        2>"$TMP/check.log") || { cat "$TMP/check.log" >&2; exit 1; }
expected="$FILES objects, $UNUSED orphans, $UNUSED would be reaped (dry run)"
[ "$summary" = "$expected" ] ||
        echo "WARNING: the dry run says \"$summary\", the scene expects \"$expected\"" >&2

# The running daemon: the same policy, passes only when asked, no full re-read between the
# measured passes (the default is one every 10), and --dry-run.
sed 's/^\[Daemon\]$/&\nScanIntervalSec=1h\nFullReadEvery=1000/' "$TMP/policy.conf" >"$TMP/inc.conf"
INCREMENTAL=1
"$IPCREAPD" --check-config --config "$TMP/inc.conf" >/dev/null 2>&1 || INCREMENTAL=0
INC_DAEMON_OPTIONS=(--dry-run)
STEADY_PER_RUN=2

LSIPC_M=0
lsipc -M >/dev/null 2>&1 && LSIPC_M=1

# ---- the runs: one warm-up round, then RUNS rounds, commands interleaved ----

for ((run = 0; run <= RUNS; run++)); do
        [ "$run" = 0 ] || progress "round $run of $RUNS"
        [ "$run" = 0 ] && suffix=-warmup || suffix=
        state=$(mktemp -d "$TMP/state.XXXXXX")
        timeit "once-dry$suffix" "$IPCREAPD" --once --dry-run --config "$TMP/policy.conf" \
                --state-dir "$state"
        timeit "floor$suffix" "$FLOOR"
        [ "$LSIPC_M" = 0 ] || timeit "lsipc-M$suffix" lsipc -M
        timeit "ls$suffix" ls -ln /dev/shm
        timeit "lsof$suffix" lsof -n -P -w /dev/shm
        timeit "fuser$suffix" fuser -m /dev/shm
        rm -rf "$state"
        [ "$INCREMENTAL" = 0 ] ||
                inc_round "inc$suffix" "$TMP/inc.conf" "$TMP/inc.sock" "$TMP/state-inc" \
                        "$TMP/inc-daemon.log" "$STEADY_PER_RUN"
done

# ---- report ----

floor_line=$("$FLOOR")
echo "POSIX shared memory: one dry-run pass that judges every file (bench/posix.sh)"
echo "  kernel $(uname -r), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)," \
     "$(lsof -v 2>&1 | sed -n 's/^ *revision: *//p' | sed 's/^/lsof /'), $(lsipc --version)"
echo "  scene: $FILES files of 4 KiB in a private /dev/shm, $PROCESSES processes each mapping" \
     "$MAPS (descriptors closed), every ${OPEN_EVERY}th holding one more open:" \
     "$USED files in use, $UNUSED not"
echo "  floor saw: $floor_line"
echo "  the pass: $summary"
echo "  policy: Kind=posix-shm MinIdleSec=0 RequireDeadPids=no MaxReapsPerScan=0 (dry run)"
echo "  whole processes, fork to exit; median of $RUNS runs after a warm-up, interleaved"
echo
printf '  %-44s %9s %9s %9s %9s %13s\n' "" "median ms" "min ms" "max ms" "CPU ms" "peak RSS"
row "ipcreapd --once --dry-run" once-dry
row "floor (posix-floor: maps, fd+readlink, stat)" floor
if [ "$LSIPC_M" = 1 ]; then
        row "lsipc -M (listing only)" lsipc-M
else
        printf '  %-44s %s\n' "lsipc -M" "skipped: $(lsipc --version) has no -M (util-linux >= 2.41)"
fi
row "ls -ln /dev/shm (listing only)" ls
row "lsof -n -P -w /dev/shm" lsof
row "fuser -m /dev/shm" fuser
if [ "$INCREMENTAL" = 1 ]; then
        echo "  a running daemon (the policy + ScanIntervalSec=1h FullReadEvery=1000, --dry-run,"
        echo "  fresh state dir, --log-level debug): its first pass; after 1.1 s and one pass to"
        echo "  settle, $STEADY_PER_RUN passes by 'ipcreapctl --json scan' where nothing changed;"
        echo "  time: the daemon's durationSec (read + judgement); CPU: the daemon's; RSS: VmHWM"
        row "first pass (fresh daemon)" inc-first
        row "steady state: nothing changed" inc-steady
        row "  ipcreapctl --json scan, steady (process)" inc-steady-wall
fi
echo

pass=$(field once-dry 1 | median)
floor=$(field floor 1 | median)
lsof_t=$(field lsof 1 | median)
fuser_t=$(field fuser 1 | median)
echo "Ratios (medians):"
printf '  %-44s %8s   target <= 1.30: %s\n' "pass / floor" "$(ratio "$pass" "$floor")" \
        "$(verdict "$(ratio "$pass" "$floor")" "<=" 1.3)"
printf '  %-44s %8s   target < 1: %s\n' "pass / lsof" "$(ratio "$pass" "$lsof_t")" \
        "$(verdict "$(ratio "$pass" "$lsof_t")" "<" 1)"
printf '  %-44s %8s\n' "pass / fuser -m" "$(ratio "$pass" "$fuser_t")"
[ "$LSIPC_M" = 0 ] ||
        printf '  %-44s %8s\n' "pass / lsipc -M" "$(ratio "$pass" "$(field lsipc-M 1 | median)")"
printf '  %-44s %8s\n' "pass / ls -ln" "$(ratio "$pass" "$(field ls 1 | median)")"
if [ "$INCREMENTAL" = 1 ]; then
        inc_first=$(field inc-first 1 | median)
        inc_steady=$(field inc-steady 1 | median)
        printf '  %-44s %8s   target <= 1.30: %s\n' "daemon's first pass / floor" \
                "$(ratio "$inc_first" "$floor")" "$(verdict "$(ratio "$inc_first" "$floor")" "<=" 1.3)"
        printf '  %-44s %8s   target <= 0.30: %s\n' "steady-state pass / floor" \
                "$(ratio "$inc_steady" "$floor")" "$(verdict "$(ratio "$inc_steady" "$floor")" "<=" 0.3)"
        printf '  %-44s %8s\n' "daemon's first pass / lsof" "$(ratio "$inc_first" "$lsof_t")"
        printf '  %-44s %8s\n' "steady-state pass / lsof" "$(ratio "$inc_steady" "$lsof_t")"
        printf '  %-44s %8s\n' "CPU: first pass / floor" \
                "$(ratio "$(field inc-first 4 | median)" "$(field floor 4 | median)")"
        printf '  %-44s %8s\n' "CPU: steady-state pass / floor" \
                "$(ratio "$(field inc-steady 4 | median)" "$(field floor 4 | median)")"
fi
