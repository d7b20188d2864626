#!/bin/bash
# Benchmarks ipcreapd and ipcreapctl against reference programs, all inside a private IPC
# namespace: one reaping pass vs "the floor", ipcs and lsipc; a running daemon's first pass,
# a steady-state pass and a pass after 1 % changed, vs the same floor; removal vs a raw
# IPC_RMID loop; the daemon's GetStatus latency, list speed and memory. See bench/README.md.
#
#   bench/run.sh [--quick]      (as root; BUILD=DIR selects the build directory)
set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-$TOP/build}
case "$BUILD" in /*) ;; *) BUILD=$TOP/$BUILD ;; esac
BENCH_BIN=$BUILD/bench
REPORT=$BENCH_BIN/report.txt

QUICK=0
for arg in "$@"; do
        case "$arg" in
        --quick) QUICK=1 ;;
        -h | --help)
                sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'
                exit 0
                ;;
        *)
                echo "bench/run.sh: unknown argument \"$arg\"; usage: bench/run.sh [--quick]" >&2
                exit 2
                ;;
        esac
done

if [ "$QUICK" = 1 ]; then
        N=3000 RUNS=3 REMOVAL_RUNS=2 LATENCY_SEC=2 PASS_LATENCY_SEC=4
else
        N=32000 RUNS=5 REMOVAL_RUNS=3 LATENCY_SEC=5 PASS_LATENCY_SEC=10
fi
CLIENTS=64
TOTAL=$((3 * N))

progress() {
        echo "bench: $*" >&2
}

# ---- outside the namespace: checks, tools, build; then run again isolated ----

if [ -z "${IPCREAP_BENCH_ISOLATED:-}" ]; then
        if [ "$(id -u)" != 0 ]; then
                echo "bench/run.sh needs root: a private IPC namespace (unshare --ipc), its" \
                     "sysctls and IPC_RMID. Run it as root." >&2
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
                echo "bench/run.sh: $command is missing; install $package." >&2
                exit 1
        }
        need unshare util-linux
        need ipcs util-linux
        need lsipc util-linux
        need sysctl procps
        need cc gcc
        need make make

        progress "building ipcreapd and ipcreapctl in $BUILD"
        make -C "$TOP" BUILD="$BUILD" all >&2
        mkdir -p "$BENCH_BIN"
        for program in floor populate rmid latency timecmd touch; do
                cc -std=c17 -D_GNU_SOURCE -O2 -Wall -Wextra -o "$BENCH_BIN/$program" \
                   "$TOP/bench/$program.c"
        done

        IPCREAP_BENCH_HOST_IPC_NS=$(readlink /proc/self/ns/ipc)
        IPCREAP_BENCH_HOST_PID_NS=$(readlink /proc/self/ns/pid)
        IPCREAP_BENCH_HOST_SHM_DEV=$(stat -c %d /dev/shm)
        export IPCREAP_BENCH_ISOLATED=1 IPCREAP_BENCH_HOST_IPC_NS IPCREAP_BENCH_HOST_PID_NS \
               IPCREAP_BENCH_HOST_SHM_DEV BUILD
        set +e
        # A pid namespace of its own too: the daemon walks every thread for queue waiters,
        # and sees only the benchmark's (on some machines PID 1 cannot be read even by root,
        # which would keep every queue).
        unshare --ipc --mount --propagation private --pid --fork --mount-proc --kill-child \
                "$0" "$@" | tee "$REPORT"
        status=${PIPESTATUS[0]}
        set -e
        progress "report written to $REPORT"
        exit "$status"
fi

# ---- inside the private IPC namespace ----

# The initial IPC namespace has a fixed inode number (PROC_IPC_INIT_INO).
ns=$(readlink /proc/self/ns/ipc)
if [ -z "$ns" ] || [ "$ns" = "${IPCREAP_BENCH_HOST_IPC_NS:-}" ] || [ "$ns" = "ipc:[4026531839]" ] ||
   { [ "$(readlink /proc/self/ns/pid)" = "${IPCREAP_BENCH_HOST_PID_NS:-}" ] &&
     [ "$ns" = "$(readlink /proc/1/ns/ipc 2>/dev/null)" ]; }; then
        echo "bench/run.sh: refusing to run in the host's IPC namespace." >&2
        exit 1
fi
for kind in shm sem msg; do
        if [ "$(wc -l </proc/sysvipc/$kind)" -gt 1 ]; then
                echo "bench/run.sh: this IPC namespace is not empty ($kind); refusing." >&2
                exit 1
        fi
done
# Our own /dev/shm and /dev/mqueue (where the host has one), in the private mount namespace:
# the daemon lists POSIX objects too, and the removal runs' rule covers every kind, so the
# host's files must be neither counted nor removed.
mount -t tmpfs -o nosuid,nodev,mode=1777,size=64m ipcreap-bench-shm /dev/shm
[ "$(stat -c %d /dev/shm)" != "${IPCREAP_BENCH_HOST_SHM_DEV:-}" ] || {
        echo "bench/run.sh: /dev/shm is still the host's; refusing." >&2
        exit 1
}
[ ! -d /dev/mqueue ] || mount -t mqueue ipcreap-bench-mqueue /dev/mqueue

IPCREAPD=$BUILD/ipcreapd
IPCREAPCTL=$BUILD/ipcreapctl
FLOOR=$BENCH_BIN/floor
POPULATE=$BENCH_BIN/populate
RMID=$BENCH_BIN/rmid
LATENCY=$BENCH_BIN/latency
TIMECMD=$BENCH_BIN/timecmd
TOUCH=$BENCH_BIN/touch

TMP=$(mktemp -d /tmp/ipcreap-bench.XXXXXX)
DAEMON_PID=
SCAN_LOOP_PID=
cleanup() {
        [ -n "$SCAN_LOOP_PID" ] && kill "$SCAN_LOOP_PID" 2>/dev/null
        [ -n "$DAEMON_PID" ] && kill -TERM "$DAEMON_PID" 2>/dev/null
        [ -n "$INC_PID" ] && kill -TERM "$INC_PID" 2>/dev/null
        wait 2>/dev/null
        if [ -n "${KEEP_TMP:-}" ]; then
                progress "kept $TMP"
        else
                rm -rf "$TMP"
        fi
}
trap cleanup EXIT
# The running daemon's first, steady-state and 1 %-changed passes (inc_round).
# shellcheck source=bench/incremental.sh
. "$TOP/bench/incremental.sh"

sysctl -q -w kernel.shmmni=32768 kernel.msgmni=32768 kernel.sem="32000 1024000000 500 32768"

# ---- helpers ----

# timeit NAME COMMAND...: runs COMMAND once (stdout to /dev/null, stderr to a log), appending
# "wall_seconds max_rss_kib status cpu_seconds" to $TMP/times/NAME.
timeit() {
        local name=$1
        shift
        "$TIMECMD" "$TMP/times/$name" "$@" >/dev/null 2>>"$TMP/times/$name.log" || true
}

# Columns of a times file.
field() {
        awk -v c="$2" '{ print $c }' "$TMP/times/$1"
}

# median: the median of the numbers on stdin (mean of the middle two for an even count).
median() {
        sort -g | awk '{ v[NR] = $1 } END {
                if (NR == 0) { print "nan"; exit }
                if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

min_of() {
        sort -g | head -n 1
}

max_of() {
        sort -g | tail -n 1
}

# failures NAME: how many runs of NAME exited non-zero.
failures() {
        awk '$3 != 0 { n++ } END { print n + 0 }' "$TMP/times/$1"
}

ms() {
        awk -v s="$1" 'BEGIN { printf "%.1f", s * 1000 }'
}

ratio() {
        awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "nan" }'
}

# verdict VALUE OP LIMIT: "met" or "NOT MET".
verdict() {
        awk -v v="$1" -v op="$2" -v l="$3" 'BEGIN {
                ok = (op == "<=") ? v <= l : (op == "<") ? v < l : 0
                if (v == "nan") ok = 0
                print ok ? "met" : "NOT MET" }'
}

count_objects() {
        local n=0 kind
        for kind in shm sem msg; do
                n=$((n + $(wc -l </proc/sysvipc/$kind) - 1))
        done
        echo "$n"
}

populate() {
        "$POPULATE" -n "$N" >/dev/null
        local n
        n=$(count_objects)
        if [ "$n" != "$TOTAL" ]; then
                echo "bench/run.sh: expected $TOTAL objects after populating, found $n." >&2
                exit 1
        fi
}

remove_all() {
        "$RMID" >/dev/null
}

# row LABEL NAME: one line of a timing table for the runs of NAME.
row() {
        local label=$1 name=$2 f
        printf '  %-40s %9s %9s %9s %9s %9s MiB' "$label" \
                "$(ms "$(field "$name" 1 | median)")" "$(ms "$(field "$name" 1 | min_of)")" \
                "$(ms "$(field "$name" 1 | max_of)")" "$(ms "$(field "$name" 4 | median)")" \
                "$(awk -v k="$(field "$name" 2 | max_of)" 'BEGIN { printf "%.1f", k / 1024 }')"
        f=$(failures "$name")
        [ "$f" = 0 ] && echo || echo "  ($f run(s) failed: see below)"
}

row_header() {
        printf '  %-40s %9s %9s %9s %9s %13s\n' "" "median ms" "min ms" "max ms" "CPU ms" "peak RSS"
}

# sum_runs OUT NAME...: per run, the sum of the named commands' wall and CPU times.
sum_runs() {
        local out=$1
        shift
        local files=()
        for name in "$@"; do
                files+=("$TMP/times/$name")
        done
        paste -d' ' "${files[@]}" | awk '{
                wall = 0; cpu = 0
                for (i = 0; i < NF; i += 4) { wall += $(i + 1); cpu += $(i + 4) }
                printf "%.6f 0 0 %.6f\n", wall, cpu }' >"$TMP/times/$out"
}

TARGETS=()
target() {
        # target LABEL MEASURED OP LIMIT UNIT
        local v
        v=$(verdict "$2" "$3" "$4")
        TARGETS+=("$(printf '  %-48s %12s %-5s %-2s %-10s %s' "$1" "$2" "$5" "$3" "$4" "$v")")
        printf '  %-48s %12s %-5s %-2s %-10s %s\n' "$1" "$2" "$5" "$3" "$4" "$v"
}

TICKS=$(getconf CLK_TCK)
# cpu_ms PID: the user+system CPU time PID's main thread (the daemon's event loop, not its
# scan worker) has used so far, in ms.
cpu_ms() {
        awk -v t="$TICKS" '{ sub(/.*\) /, ""); printf "%.0f", ($12 + $13) * 1000 / t }' \
                "/proc/$1/task/$1/stat"
}

# latency_run SECONDS: the latency program's line, plus the daemon's CPU per request.
latency_run() {
        local before after line requests
        before=$(cpu_ms "$DAEMON_PID")
        line=$("$LATENCY" --socket "$SOCKET" -c "$CLIENTS" -d "$1") || true
        after=$(cpu_ms "$DAEMON_PID")
        requests=$(echo "$line" | sed -n 's/.*requests=\([0-9]*\).*/\1/p')
        echo "$line loop_cpu_us_per_request=$(awk -v c=$((after - before)) -v n="${requests:-0}" \
                'BEGIN { if (n > 0) printf "%.1f", c * 1000 / n; else print "nan" }')"
}

vm_kib() {
        awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"
}

mib() {
        awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'
}

# wait_first_scan SOCKET PID: polls the daemon until its first pass is done.
wait_first_scan() {
        local socket=$1 pid=$2
        for _ in $(seq 1 1200); do
                if ! kill -0 "$pid" 2>/dev/null; then
                        echo "bench/run.sh: ipcreapd exited early; its log:" >&2
                        cat "$TMP/daemon.log" >&2 || true
                        exit 1
                fi
                if "$IPCREAPCTL" --socket "$socket" status 2>/dev/null |
                   grep -q '^ *Last scan: .*took'; then
                        return 0
                fi
                sleep 0.1
        done
        echo "bench/run.sh: ipcreapd did not finish its first scan in 120 s." >&2
        exit 1
}

stop_daemon() {
        if [ -n "$DAEMON_PID" ]; then
                kill -TERM "$DAEMON_PID" 2>/dev/null || true
                wait "$DAEMON_PID" 2>/dev/null || true
                DAEMON_PID=
        fi
}

mkdir -p "$TMP/times"

# Part A's policy: a single rule judges every object fully and would reap it.
cat >"$TMP/once.conf" <<EOF
[Daemon]
MaxReapsPerScan=0
StateDirectory=$TMP/state-unused

[Rule all]
MinIdleSec=0
Action=reap
EOF
# Part B's policy: evaluates everything, removes nothing.
cat >"$TMP/daemon.conf" <<EOF
[Daemon]
ScanIntervalSec=1h
MaxReapsPerScan=0
StateDirectory=$TMP/state-unused

[Rule all]
MinIdleSec=0
Action=report
EOF

# The incremental passes: Part B's policy, and no full re-read between (the default is one
# every 10 passes) so that each measured pass is the incremental one.
sed 's/^ScanIntervalSec=1h$/&\nFullReadEvery=1000/' "$TMP/daemon.conf" >"$TMP/inc.conf"
# The same under the shipped policy (etc/ipcreap.conf), where these objects, root's, are kept
# by its first rule: what a host's steady state looks like, no object a would-be orphan, so
# no pass asks for waiters or logs an orphan. Part B's policy makes every object an orphan
# (reported), the worst case: each pass asks every set for its waiters (GETNCNT, GETZCNT).
sed 's/^ScanIntervalSec=.*$/ScanIntervalSec=1h\nFullReadEvery=1000/' "$TOP/etc/ipcreap.conf" \
        >"$TMP/ship.conf"
INCREMENTAL=1
"$IPCREAPD" --check-config --config "$TMP/inc.conf" >/dev/null 2>&1 || INCREMENTAL=0
# 1 % of the objects, spread over the kinds (960 of 96,000: 320 of each).
CHANGED_PERCENT=1
STEADY_PER_RUN=2

# ---- the report ----

echo "ipcreap benchmark report ($([ "$QUICK" = 1 ] && echo "--quick" || echo "full size"))"
echo "  date:     $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
echo "  source:   $(git -C "$TOP" rev-parse --short HEAD 2>/dev/null || echo unknown)$(
        [ -n "$(git -C "$TOP" status --porcelain --untracked-files=no 2>/dev/null)" ] &&
        echo " (with uncommitted changes)")"
echo "  machine:  $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), $(
        awk '/MemTotal/ { printf "%.1f GiB RAM", $2 / 1048576 }' /proc/meminfo)"
echo "  kernel:   $(uname -srm)"
echo "  load:     $(cut -d' ' -f1-3 /proc/loadavg) at start (other work on the machine adds noise:"
echo "            compare medians and minimums)"
echo "  compiler: $(cc --version | head -n 1)"
echo "  tools:    $(ipcs -V 2>&1 | head -n 1)"
echo "  objects:  $N shm segments (4 KiB) + $N semaphore sets of 4 + $N message queues = $TOTAL,"
echo "            made by bench/populate (each used once, so pids and times are recorded),"
echo "            whose process then exited: every recorded pid is dead"
echo "  namespace: private IPC namespace $(readlink /proc/self/ns/ipc) (host's untouched);"
echo "            kernel.shmmni=$(sysctl -n kernel.shmmni)" \
     "kernel.msgmni=$(sysctl -n kernel.msgmni)" \
     "kernel.sem=\"$(sysctl -n kernel.sem | tr -s '\t ' ' ')\""
echo "  timing:   wall clock of the whole process (fork to exit) by bench/timecmd, which also"
echo "            reports its CPU time (user + system) and peak RSS (ru_maxrss); median of"
echo "            $RUNS runs, interleaved. Targets use wall-clock medians."
echo

# ---- Part A: one reaping pass ----

progress "part A: populating $TOTAL objects"
populate

ONCE_DRY=("$IPCREAPD" --once --dry-run --config "$TMP/once.conf" --state-dir "$TMP/state-a")
echo "== Part A: one reaping pass over $TOTAL objects =="
echo "Policy ($TMP/once.conf):"
sed 's/^/    /' "$TMP/once.conf"
echo "Commands (stdout and stderr to /dev/null; state dir removed before each run):"
echo "    ipcreapd --once --dry-run --config once.conf --state-dir STATE 2>/dev/null"
echo "    floor                      (bench/floor.c)"
echo "    ipcs -a"
echo "    lsipc --shmems; lsipc --semaphores; lsipc --queues"
if [ "$INCREMENTAL" = 1 ]; then
        echo "  and, in each run, a running daemon (inc.conf: Part B's policy below plus"
        echo "  FullReadEvery=1000) with a fresh state dir: its first pass; after 1.1 s and one"
        echo "  pass to settle, $STEADY_PER_RUN passes where nothing changed; then"
        echo "  'touch -p $CHANGED_PERCENT -o RUN' (bench/touch.c: $CHANGED_PERCENT % of the objects, spread"
        echo "  over the kinds, used by a process that exits) and the pass after it. Passes are"
        echo "  started with 'ipcreapctl --json scan'; their time is the daemon's durationSec (its"
        echo "  read and judgement, measured inside it), CPU the daemon's over the pass"
        echo "    ipcreapd --config inc.conf --socket SOCKET --state-dir FRESH --log-level debug"
fi
echo "ipcreapd says: $("${ONCE_DRY[@]}" 2>/dev/null)"
rm -rf "$TMP/state-a"
"$FLOOR" >/dev/null || { echo "bench/run.sh: the floor program failed" >&2; exit 1; }

for run in $(seq 1 "$RUNS"); do
        progress "part A: pass timings, run $run/$RUNS"
        rm -rf "$TMP/state-a"
        "$TIMECMD" "$TMP/times/once-dry" "${ONCE_DRY[@]}" >/dev/null 2>/dev/null || true
        timeit floor "$FLOOR"
        timeit ipcs ipcs -a
        timeit lsipc-shm lsipc --shmems
        timeit lsipc-sem lsipc --semaphores
        timeit lsipc-msg lsipc --queues
        if [ "$INCREMENTAL" = 1 ]; then
                inc_round inc "$TMP/inc.conf" "$TMP/inc.sock" "$TMP/state-inc" \
                        "$TMP/inc-daemon.log" "$STEADY_PER_RUN" \
                        "$TOUCH" -p "$CHANGED_PERCENT" -o "$run"
                inc_round ship "$TMP/ship.conf" "$TMP/ship.sock" "$TMP/state-ship" \
                        "$TMP/ship-daemon.log" "$STEADY_PER_RUN" \
                        "$TOUCH" -p "$CHANGED_PERCENT" -o "$((run + RUNS))"
        fi
done
sum_runs lsipc-sum lsipc-shm lsipc-sem lsipc-msg

echo
row_header
row "ipcreapd --once --dry-run" once-dry
row "floor (tables + GETPID/GETNCNT/GETZCNT)" floor
row "ipcs -a" ipcs
row "lsipc --shmems" lsipc-shm
row "lsipc --semaphores" lsipc-sem
row "lsipc --queues" lsipc-msg
row "lsipc, the three summed" lsipc-sum
if [ "$INCREMENTAL" = 1 ]; then
        echo "  a running daemon's passes (durationSec; CPU: the daemon's; RSS: its VmHWM):"
        row "first pass (fresh daemon)" inc-first
        row "steady state: nothing changed" inc-steady
        row "$CHANGED_PERCENT % changed since the last pass" inc-changed
        row "  ipcreapctl --json scan, steady (process)" inc-steady-wall
        row "  ipcreapctl --json scan, 1 % (process)" inc-changed-wall
        echo "  what they read (the daemon's debug log):"
        echo "    first:  $(inc_reads inc-first)"
        echo "    steady: $(inc_reads inc-steady)"
        echo "    1 %:    $(inc_reads inc-changed)"
        echo "    touched per run: $(tail -n 1 "$TMP/touch.out" 2>/dev/null)"
        echo "  the same under the shipped policy (every object kept by its first rule):"
        row "first pass (fresh daemon), shipped policy" ship-first
        row "steady state, shipped policy" ship-steady
        row "$CHANGED_PERCENT % changed, shipped policy" ship-changed
        echo "    steady: $(inc_reads ship-steady)"
        echo "    1 %:    $(inc_reads ship-changed)"
fi

pass=$(field once-dry 1 | median)
floor=$(field floor 1 | median)
ipcs_a=$(field ipcs 1 | median)
lsipc_sum=$(field lsipc-sum 1 | median)
once_rss=$(field once-dry 2 | max_of)

# ---- Part A: removal ----

ONCE_RM=("$IPCREAPD" --once --config "$TMP/once.conf" --state-dir "$TMP/state-rm")
echo
echo "Removal of all $TOTAL (repopulated before each run; median of $REMOVAL_RUNS runs):"
echo "    ipcreapd --once --config once.conf --state-dir STATE 2>/dev/null"
echo "    rmid                       (bench/rmid.c: read the tables, IPC_RMID each)"
remove_all
for run in $(seq 1 "$REMOVAL_RUNS"); do
        progress "part A: removal, run $run/$REMOVAL_RUNS"
        populate
        rm -rf "$TMP/state-rm"
        "$TIMECMD" "$TMP/times/once-rm" "${ONCE_RM[@]}" >"$TMP/once-rm.out" 2>/dev/null || true
        left=$(count_objects)
        [ "$left" = 0 ] ||
                echo "  WARNING: ipcreapd --once left $left objects ($(cat "$TMP/once-rm.out"))"
        remove_all
        populate
        timeit rmid "$RMID"
        left=$(count_objects)
        [ "$left" = 0 ] || echo "  WARNING: rmid left $left objects"
        remove_all
done
echo "ipcreapd says: $(cat "$TMP/once-rm.out")"
echo
row_header
row "ipcreapd --once (removes all)" once-rm
row "rmid (raw IPC_RMID loop)" rmid
removal=$(field once-rm 1 | median)
raw_rmid=$(field rmid 1 | median)

echo
echo "Targets (Part A):"
printf '  %-48s %12s %-5s %-2s %-10s %s\n' "" "measured" "" "" "target" "verdict"
target "ipcreapd --once --dry-run / floor" "$(ratio "$pass" "$floor")" "<=" 1.3 "x"
target "ipcreapd --once --dry-run / ipcs -a" "$(ratio "$pass" "$ipcs_a")" "<" 1 "x"
target "removal: ipcreapd --once / raw IPC_RMID loop" "$(ratio "$removal" "$raw_rmid")" "<=" 1.5 "x"
target "peak RSS of ipcreapd --once --dry-run" "$(mib "$once_rss")" "<" 64 "MiB"
if [ "$INCREMENTAL" = 1 ]; then
        inc_first=$(field inc-first 1 | median)
        inc_steady=$(field inc-steady 1 | median)
        inc_changed=$(field inc-changed 1 | median)
        target "daemon's first pass / floor" "$(ratio "$inc_first" "$floor")" "<=" 1.3 "x"
        target "steady-state pass / floor" "$(ratio "$inc_steady" "$floor")" "<=" 0.3 "x"
        target "pass after $CHANGED_PERCENT % changed / floor" "$(ratio "$inc_changed" "$floor")" "<=" 0.4 "x"
        target "shipped policy: first pass / floor" \
                "$(ratio "$(field ship-first 1 | median)" "$floor")" "<=" 1.3 "x"
        target "shipped policy: steady-state pass / floor" \
                "$(ratio "$(field ship-steady 1 | median)" "$floor")" "<=" 0.3 "x"
        target "shipped policy: $CHANGED_PERCENT % changed / floor" \
                "$(ratio "$(field ship-changed 1 | median)" "$floor")" "<=" 0.4 "x"
        echo "  (against ipcs -a: first pass $(ratio "$inc_first" "$ipcs_a"), steady" \
             "$(ratio "$inc_steady" "$ipcs_a"), $CHANGED_PERCENT % changed $(ratio "$inc_changed" "$ipcs_a");"
        echo "   CPU medians against the floor's: first $(ratio "$(field inc-first 4 | median)" \
                "$(field floor 4 | median)"), steady $(ratio "$(field inc-steady 4 | median)" \
                "$(field floor 4 | median)"), $CHANGED_PERCENT % $(ratio "$(field inc-changed 4 | median)" \
                "$(field floor 4 | median)"); minimums against the floor's minimum: first" \
             "$(ratio "$(field inc-first 1 | min_of)" "$(field floor 1 | min_of)"), steady" \
             "$(ratio "$(field inc-steady 1 | min_of)" "$(field floor 1 | min_of)"), $CHANGED_PERCENT %" \
             "$(ratio "$(field inc-changed 1 | min_of)" "$(field floor 1 | min_of)"))"
else
        echo "  (this ipcreapd rejects FullReadEvery=: no incremental passes measured)"
fi
echo "  (for reference: ipcreapd --once --dry-run / lsipc summed = $(ratio "$pass" "$lsipc_sum");"
echo "   removal: ipcreapd --once / (floor + raw IPC_RMID loop) = $(ratio "$removal" \
        "$(awk -v a="$floor" -v b="$raw_rmid" 'BEGIN { print a + b }')"), the least a reaper that"
echo "   reads what SPEC section 1 requires before removing can do)"
echo

# ---- Part B: the daemon ----

echo "== Part B: the daemon =="
echo "Policy ($TMP/daemon.conf):"
sed 's/^/    /' "$TMP/daemon.conf"
echo "Daemon: ipcreapd --config daemon.conf --socket SOCKET --state-dir STATE 2>daemon.log"
echo

# Idle, with no objects: a daemon of its own in a nested, empty IPC namespace.
progress "part B: idle daemon in an empty namespace"
unshare --ipc "$IPCREAPD" --config "$TMP/daemon.conf" --socket "$TMP/idle.sock" \
        --state-dir "$TMP/state-idle" 2>"$TMP/daemon.log" &
DAEMON_PID=$!
wait_first_scan "$TMP/idle.sock" "$DAEMON_PID"
sleep 1
rss_idle=$(vm_kib "$DAEMON_PID" VmRSS)
hwm_idle=$(vm_kib "$DAEMON_PID" VmHWM)
echo "Idle, no objects (own empty IPC namespace, after its first scan + 1 s):"
echo "  VmRSS $(mib "$rss_idle") MiB, VmHWM $(mib "$hwm_idle") MiB"
stop_daemon

progress "part B: populating $TOTAL objects, starting the daemon"
populate
SOCKET=$TMP/io.ipcreap.Reaper
"$IPCREAPD" --config "$TMP/daemon.conf" --socket "$SOCKET" --state-dir "$TMP/state-b" \
        2>"$TMP/daemon.log" &
DAEMON_PID=$!
start=$(date +%s.%N)
wait_first_scan "$SOCKET" "$DAEMON_PID"
echo
echo "With $TOTAL objects tracked:"
elapsed=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.2f", e - s }')
took=$("$IPCREAPCTL" --socket "$SOCKET" status |
        sed -n 's/^ *Last scan: .*took \([0-9.]*s\).*/\1/p')
echo "  first scan done ${elapsed} s after start (as polled with ipcreapctl status);" \
     "the pass took $took"
sleep 1
rss_tracked=$(vm_kib "$DAEMON_PID" VmRSS)
echo "  after the first scan + 1 s: VmRSS $(mib "$rss_tracked") MiB," \
     "VmHWM $(mib "$(vm_kib "$DAEMON_PID" VmHWM)") MiB"

progress "part B: GetStatus latency, idle"
echo
echo "GetStatus latency, $CLIENTS concurrent clients, each calling again as soon as answered:"
echo "    latency --socket SOCKET -c $CLIENTS -d SECONDS   (bench/latency.c; the first 0.5 s"
echo "    are warm-up, not counted; loop_cpu: the daemon's event-loop thread CPU per request)"
idle_line=$(latency_run "$LATENCY_SEC")
echo "  idle daemon, ${LATENCY_SEC} s:        $idle_line"

progress "part B: GetStatus latency during passes"
# Passes back to back: each 'ipcreapctl scan' returns when its pass is done.
: >"$TMP/scans.out"
(
        while [ ! -e "$TMP/stop-scans" ]; do
                "$IPCREAPCTL" --socket "$SOCKET" scan >>"$TMP/scans.out" 2>&1 || true
        done
) &
SCAN_LOOP_PID=$!
# Let the first pass start before measuring.
for _ in $(seq 1 50); do
        "$IPCREAPCTL" --socket "$SOCKET" --json status 2>/dev/null |
                grep -q '"scanning": *true' && break
        sleep 0.05
done
pass_line=$(latency_run "$PASS_LATENCY_SEC")
touch "$TMP/stop-scans"
wait "$SCAN_LOOP_PID" 2>/dev/null || true
SCAN_LOOP_PID=
passes=$(grep -c 'objects' "$TMP/scans.out" || true)
pass_times=$(sed -n 's/.*(\([0-9.]*\)s)$/\1/p' "$TMP/scans.out" | tr '\n' ' ')
echo "  during passes, ${PASS_LATENCY_SEC} s:    $pass_line"
echo "  passes run back to back meanwhile: $passes (each took, s: $pass_times)"
rss_after=$(vm_kib "$DAEMON_PID" VmRSS)
hwm_after=$(vm_kib "$DAEMON_PID" VmHWM)
echo "  after those passes: VmRSS $(mib "$rss_after") MiB, VmHWM $(mib "$hwm_after") MiB"

progress "part B: list timings"
echo
echo "Listing all $TOTAL objects (stdout to /dev/null; median of $RUNS runs, interleaved):"
echo "    ipcreapctl --socket SOCKET --json list"
echo "    ipcreapctl --socket SOCKET --no-pager list"
echo "    lsipc --shmems; lsipc --semaphores; lsipc --queues; ipcs -a"
listed=$("$IPCREAPCTL" --socket "$SOCKET" --no-pager list | tail -n 1)
echo "  ipcreapctl says: $listed"
: >"$TMP/daemon-cpu"
for run in $(seq 1 "$RUNS"); do
        before=$(cpu_ms "$DAEMON_PID")
        timeit list-json "$IPCREAPCTL" --socket "$SOCKET" --json list
        after=$(cpu_ms "$DAEMON_PID")
        echo "json $((after - before))" >>"$TMP/daemon-cpu"
        timeit list-table "$IPCREAPCTL" --socket "$SOCKET" --no-pager list
        echo "table $(($(cpu_ms "$DAEMON_PID") - after))" >>"$TMP/daemon-cpu"
        timeit b-lsipc-shm lsipc --shmems
        timeit b-lsipc-sem lsipc --semaphores
        timeit b-lsipc-msg lsipc --queues
        timeit b-ipcs ipcs -a
done
sum_runs b-lsipc-sum b-lsipc-shm b-lsipc-sem b-lsipc-msg
echo
row_header
row "ipcreapctl --json list" list-json
row "ipcreapctl --no-pager list" list-table
row "lsipc --shmems" b-lsipc-shm
row "lsipc --semaphores" b-lsipc-sem
row "lsipc --queues" b-lsipc-msg
row "lsipc, the three summed" b-lsipc-sum
row "ipcs -a" b-ipcs
echo "  daemon event-loop CPU per list (median):" \
     "--json $(awk '$1 == "json" { print $2 }' "$TMP/daemon-cpu" | median) ms," \
     "table $(awk '$1 == "table" { print $2 }' "$TMP/daemon-cpu" | median) ms"
rss_final=$(vm_kib "$DAEMON_PID" VmRSS)
echo "  daemon after the lists: VmRSS $(mib "$rss_final") MiB," \
     "VmHWM $(mib "$(vm_kib "$DAEMON_PID" VmHWM)") MiB"
stop_daemon

p99_pass=$(echo "$pass_line" | sed -n 's/.*p99_ms=\([0-9.]*\).*/\1/p')
p99_idle=$(echo "$idle_line" | sed -n 's/.*p99_ms=\([0-9.]*\).*/\1/p')
list_json=$(field list-json 1 | median)
list_table=$(field list-table 1 | median)
b_ipcs=$(field b-ipcs 1 | median)
rss_tracked_max=$(printf '%s\n' "$rss_tracked" "$rss_after" "$rss_final" | max_of)

echo
echo "Targets (Part B):"
printf '  %-48s %12s %-5s %-2s %-10s %s\n' "" "measured" "" "" "target" "verdict"
target "GetStatus p99, idle" "${p99_idle:-nan}" "<" 5 "ms"
target "GetStatus p99, during passes" "${p99_pass:-nan}" "<" 5 "ms"
target "ipcreapctl --json list / ipcs -a" "$(ratio "$list_json" "$b_ipcs")" "<" 1 "x"
target "ipcreapctl --no-pager list / ipcs -a" "$(ratio "$list_table" "$b_ipcs")" "<" 1 "x"
target "daemon VmRSS, idle, no objects" "$(mib "$rss_idle")" "<" 4 "MiB"
target "daemon VmRSS, $TOTAL tracked (max seen)" "$(mib "$rss_tracked_max")" "<" 64 "MiB"

echo
echo "== Summary: all targets =="
printf '%s\n' "${TARGETS[@]}"
missed=$(printf '%s\n' "${TARGETS[@]}" | grep -c 'NOT MET' || true)
echo "  $((${#TARGETS[@]} - missed)) of ${#TARGETS[@]} targets met."
echo "  (load average at the end: $(cut -d' ' -f1-3 /proc/loadavg))"

# Anything a measured command said on stderr, so failures are not hidden.
for log in "$TMP"/times/*.log; do
        [ -s "$log" ] || continue
        echo
        echo "stderr of $(basename "$log" .log) (first lines):"
        head -n 5 "$log" | sed 's/^/    /'
done
