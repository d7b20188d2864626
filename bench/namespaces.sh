#!/bin/bash
# Benchmarks a dry-run pass over many IPC namespaces (issue 10): 100 "containers" (each an
# `unshare --ipc sleep` holding a namespace) with 1,000 System V objects each, kinds mixed,
# plus 96,000 in the benchmark's own namespace (the daemon's "host"), timed as whole
# processes against the floor (bench/ns-floor.c: find the namespaces in /proc, setns() into
# each and do bench/floor's work there) and against what an admin runs today (lsns -t ipc,
# then nsenter --ipc=... ipcs -a in each); in the same rounds, a running daemon's first pass,
# a steady-state pass where nothing changed and a pass after 1 % of the objects changed
# (bench/touch.c in every namespace), against the same floor; then the daemon's memory with
# all of it tracked.
#
#   bench/namespaces.sh [--quick] [--namespaces N] [--per-namespace N] [--host N] [--runs N]
#                       [--perf]
#   (as root; BUILD=DIR selects the build directory, default build/; --host N is per kind;
#   --perf also profiles one pass with perf record and prints where its time went)
#
# Everything runs in private IPC, mount and pid namespaces: the "host" namespace is the
# benchmark's own, /proc shows only its processes, /dev/shm is a private tmpfs, and the
# machine's IPC is never seen or touched.
set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-$TOP/build}
case "$BUILD" in /*) ;; *) BUILD=$TOP/$BUILD ;; esac
BENCH_BIN=$BUILD/bench
REPORT=$BENCH_BIN/namespaces-report.txt

ARGS=("$@")
NAMESPACES=100 PER_NAMESPACE=1000 HOST_PER_KIND=32000 RUNS=7 PERF=0
while [ $# -gt 0 ]; do
        case "$1" in
        --quick) NAMESPACES=20 HOST_PER_KIND=3000 RUNS=3 ;;
        --namespaces) NAMESPACES=$2; shift ;;
        --per-namespace) PER_NAMESPACE=$2; shift ;;
        --host) HOST_PER_KIND=$2; shift ;;
        --runs) RUNS=$2; shift ;;
        --perf) PERF=1 ;;
        -h | --help) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "bench/namespaces.sh: unknown argument \"$1\" (see --help)" >&2; exit 2 ;;
        esac
        shift
done
HOST_OBJECTS=$((3 * HOST_PER_KIND))
TOTAL=$((HOST_OBJECTS + NAMESPACES * PER_NAMESPACE))

progress() {
        echo "bench: $*" >&2
}

# ---- outside the namespaces: checks, tools, build; then run again isolated ----

if [ -z "${IPCREAP_BENCH_ISOLATED:-}" ]; then
        if [ "$(id -u)" != 0 ]; then
                echo "bench/namespaces.sh needs root (private IPC, mount and pid namespaces," \
                     "setns)." >&2
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
                echo "bench/namespaces.sh: $command is missing; install $package." >&2
                exit 1
        }
        need unshare util-linux
        need nsenter util-linux
        need lsns util-linux
        need ipcs util-linux
        need sysctl procps
        need cc gcc
        need make make
        [ "$PERF" = 0 ] || need perf linux-perf

        progress "building ipcreapd and ipcreapctl in $BUILD"
        make -C "$TOP" BUILD="$BUILD" all >&2
        mkdir -p "$BENCH_BIN"
        for program in floor ns-floor ns-populate populate timecmd touch; do
                cc -std=c17 -D_GNU_SOURCE -O2 -Wall -Wextra -o "$BENCH_BIN/$program" \
                   "$TOP/bench/$program.c"
        done

        IPCREAP_BENCH_HOST_IPC_NS=$(readlink /proc/self/ns/ipc)
        IPCREAP_BENCH_HOST_PID_NS=$(readlink /proc/self/ns/pid)
        IPCREAP_BENCH_HOST_SHM_DEV=$(stat -c %d /dev/shm)
        export IPCREAP_BENCH_ISOLATED=1 IPCREAP_BENCH_HOST_IPC_NS IPCREAP_BENCH_HOST_PID_NS \
               IPCREAP_BENCH_HOST_SHM_DEV BUILD
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
        echo "bench/namespaces.sh: refusing to run outside private IPC and pid namespaces." >&2
        exit 1
fi
for kind in shm sem msg; do
        if [ "$(wc -l </proc/sysvipc/$kind)" -gt 1 ]; then
                echo "bench/namespaces.sh: this IPC namespace is not empty ($kind); refusing." >&2
                exit 1
        fi
done
# Our own /dev/shm and /dev/mqueue (where the host has one), so the pass finds no POSIX
# object of the machine's: it is judged on the System V objects alone, as the floor is.
mount -t tmpfs -o nosuid,nodev,mode=1777,size=64m ipcreap-bench-shm /dev/shm
[ "$(stat -c %d /dev/shm)" != "$IPCREAP_BENCH_HOST_SHM_DEV" ] || {
        echo "bench/namespaces.sh: /dev/shm is still the host's; refusing." >&2
        exit 1
}
[ ! -d /dev/mqueue ] || mount -t mqueue ipcreap-bench-mqueue /dev/mqueue

IPCREAPD=$BUILD/ipcreapd
IPCREAPCTL=$BUILD/ipcreapctl
FLOOR=$BENCH_BIN/ns-floor
HOST_FLOOR=$BENCH_BIN/floor
POPULATE=$BENCH_BIN/populate
NS_POPULATE=$BENCH_BIN/ns-populate
TIMECMD=$BENCH_BIN/timecmd
TOUCH=$BENCH_BIN/touch

TMP=$(mktemp -d /tmp/ipcreap-bench-ns.XXXXXX)
DAEMON_PID=
cleanup() {
        [ -z "$DAEMON_PID" ] || kill -TERM "$DAEMON_PID" 2>/dev/null || true
        [ -z "${INC_PID:-}" ] || kill -TERM "$INC_PID" 2>/dev/null || true
        if [ -n "${KEEP_TMP:-}" ]; then
                progress "kept $TMP"
        else
                rm -rf "$TMP"
        fi
        # The holders of the namespaces die with this pid namespace when we exit.
}
trap cleanup EXIT
mkdir "$TMP/times"
# The running daemon's first, steady-state and 1 %-changed passes (inc_round).
# shellcheck source=bench/incremental.sh
. "$TOP/bench/incremental.sh"

# Per namespace: this one (the "host") holds up to 32,000 of each kind.
sysctl -q -w kernel.shmmni=32768 kernel.msgmni=32768 kernel.sem="32000 1024000000 500 32768"

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
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "nan" }'; }
verdict() {
        awk -v v="$1" -v op="$2" -v l="$3" 'BEGIN {
                ok = (op == "<=") ? v <= l : (op == "<") ? v < l : 0
                if (v == "nan") ok = 0
                print ok ? "met" : "NOT MET" }'
}
row() {
        local label=$1 name=$2 f
        printf '  %-46s %9s %9s %9s %9s %9s MiB' "$label" \
                "$(ms "$(field "$name" 1 | median)")" "$(ms "$(field "$name" 1 | min_of)")" \
                "$(ms "$(field "$name" 1 | max_of)")" "$(ms "$(field "$name" 4 | median)")" \
                "$(mib "$(field "$name" 2 | max_of)")"
        f=$(failures "$name")
        [ "$f" = 0 ] && echo || echo "  ($f run(s) failed: $(head -c 300 "$TMP/times/$name.log"))"
}
vm_kib() { awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"; }

# ---- the scene ----

progress "populating $HOST_OBJECTS objects in the host namespace"
"$POPULATE" -n "$HOST_PER_KIND" >/dev/null

progress "starting $NAMESPACES namespaces and populating $PER_NAMESPACE objects in each"
HOLDERS=()
for ((i = 0; i < NAMESPACES; i++)); do
        unshare --ipc sleep infinity &
        HOLDERS+=("$!")
done
NS_FILES=()
for pid in "${HOLDERS[@]}"; do
        # Until unshare has made the namespace, the process is still in ours.
        for ((t = 0; t < 100; t++)); do
                [ "$(readlink "/proc/$pid/ns/ipc")" = "$ns" ] || break
                sleep 0.05
        done
        [ "$(readlink "/proc/$pid/ns/ipc")" != "$ns" ] || {
                echo "bench/namespaces.sh: process $pid did not get an IPC namespace." >&2
                exit 1
        }
        NS_FILES+=("/proc/$pid/ns/ipc")
done
[ "$NAMESPACES" = 0 ] || "$NS_POPULATE" -n "$PER_NAMESPACE" "${NS_FILES[@]}" >/dev/null

# The floor must see the whole scene, or no time below means anything.
"$FLOOR" >"$TMP/floor.out" || { cat "$TMP/floor.out" >&2; exit 1; }
floor_objects=$(awk '/^floor:/ { n += $2 } END { print n + 0 }' "$TMP/floor.out")
floor_namespaces=$(awk '/^floor:/ { n++ } END { print n + 0 }' "$TMP/floor.out")
if [ "$floor_objects" != "$TOTAL" ] || [ "$floor_namespaces" != $((NAMESPACES + 1)) ]; then
        echo "bench/namespaces.sh: the floor sees $floor_objects objects in $floor_namespaces" \
             "namespaces; the scene has $TOTAL in $((NAMESPACES + 1))." >&2
        exit 1
fi

# ---- the policies ----

# Every object of every namespace judged fully and found reapable; a dry run removes nothing.
cat >"$TMP/once.conf" <<EOF
[Daemon]
ScanNamespaces=all
MaxReapsPerScan=0
StateDirectory=$TMP/state-unused

[Rule everywhere]
Namespace=*
MinIdleSec=0
Action=reap
EOF
# The daemon: the same judgement, reporting only.
cat >"$TMP/daemon.conf" <<EOF
[Daemon]
ScanNamespaces=all
ScanIntervalSec=1h
MaxReapsPerScan=0
StateDirectory=$TMP/state-unused

[Rule everywhere]
Namespace=*
MinIdleSec=0
Action=report
EOF
# For reference: the same pass over the host namespace alone.
sed 's/^ScanNamespaces=all$/ScanNamespaces=host/' "$TMP/once.conf" >"$TMP/once-host.conf"
NAMESPACE_SUPPORT=1
if ! "$IPCREAPD" --check-config --config "$TMP/once.conf" >/dev/null 2>"$TMP/check-config.log"
then
        # A daemon from before issue 10: measure what it does (the host only), and say so.
        NAMESPACE_SUPPORT=0
        sed -i -e '/^ScanNamespaces=/d' -e '/^Namespace=/d' "$TMP/once.conf" "$TMP/daemon.conf"
        "$IPCREAPD" --check-config --config "$TMP/once.conf" >/dev/null
fi

EXPECTED=$TOTAL
[ "$NAMESPACE_SUPPORT" = 1 ] || EXPECTED=$HOST_OBJECTS
summary=$("$IPCREAPD" --once --dry-run --config "$TMP/once.conf" --state-dir "$TMP/check" \
        2>"$TMP/check.log") || { cat "$TMP/check.log" >&2; exit 1; }
expected="$EXPECTED objects, $EXPECTED orphans, $EXPECTED would be reaped (dry run)"
[ "$summary" = "$expected" ] ||
        echo "WARNING: the dry run says \"$summary\", the scene expects \"$expected\"" >&2
# Until the daemon scans containers, its pass covers the host only: measured and shown, but
# not judged against the targets.
PASS_COVERS_ALL=1
[ "${summary%% *}" = "$TOTAL" ] || PASS_COVERS_ALL=0
rm -rf "$TMP/check"

# The incremental passes: the daemon's policy with no full re-read between the measured
# passes (the default is one every 10).
sed 's/^ScanIntervalSec=1h$/&\nFullReadEvery=1000/' "$TMP/daemon.conf" >"$TMP/inc.conf"
INCREMENTAL=$NAMESPACE_SUPPORT
"$IPCREAPD" --check-config --config "$TMP/inc.conf" >/dev/null 2>&1 || INCREMENTAL=0
CHANGED_PERCENT=1 STEADY_PER_RUN=2

# shellcheck disable=SC2016 # expanded by the bash that runs it
SHELL_LOOP='lsns -t ipc -n -r -o PID | while read -r pid; do
        nsenter --ipc=/proc/$pid/ns/ipc ipcs -a
done'

# ---- the runs: one warm-up round, then RUNS rounds, commands interleaved ----

for ((run = 0; run <= RUNS; run++)); do
        if [ "$run" = 0 ]; then
                progress "warm-up round"
                suffix=-warmup
        else
                progress "round $run of $RUNS"
                suffix=
        fi
        state=$(mktemp -d "$TMP/state.XXXXXX")
        # The daemon's log line per orphan goes where bench/run.sh sends it: /dev/null.
        "$TIMECMD" "$TMP/times/once-dry$suffix" "$IPCREAPD" --once --dry-run \
                --config "$TMP/once.conf" --state-dir "$state" >/dev/null 2>&1 || true
        timeit "floor$suffix" "$FLOOR"
        timeit "shell-loop$suffix" bash -c "$SHELL_LOOP"
        rm -rf "$state"
        if [ "$NAMESPACE_SUPPORT" = 1 ]; then
                state=$(mktemp -d "$TMP/state.XXXXXX")
                "$TIMECMD" "$TMP/times/once-dry-host$suffix" "$IPCREAPD" --once --dry-run \
                        --config "$TMP/once-host.conf" --state-dir "$state" >/dev/null 2>&1 ||
                        true
                rm -rf "$state"
        fi
        timeit "floor-host$suffix" "$HOST_FLOOR"
        if [ "$INCREMENTAL" = 1 ]; then
                # The touch reaches every namespace: 1 % of each (960 of the host's 96,000,
                # 10 of each container's 1,000).
                inc_round "inc$suffix" "$TMP/inc.conf" "$TMP/inc.sock" "$TMP/state-inc" \
                        "$TMP/inc-daemon.log" "$STEADY_PER_RUN" \
                        "$TOUCH" -p "$CHANGED_PERCENT" -o "$run" ${NS_FILES[@]+"${NS_FILES[@]}"}
        fi
done
# A dry run that removed anything (say, a binary built from a tree caught mid-edit) would
# make every time above meaningless.
"$FLOOR" >"$TMP/floor-after.out"
left=$(awk '/^floor:/ { n += $2 } END { print n + 0 }' "$TMP/floor-after.out")
[ "$left" = "$TOTAL" ] || {
        echo "bench/namespaces.sh: $left objects left after the dry runs, of $TOTAL: the" \
             "dry runs removed some; refusing to report." >&2
        exit 1
}

# ---- where a pass's time goes (--perf) ----

if [ "$PERF" = 1 ]; then
        progress "profiling one pass with perf"
        state=$(mktemp -d "$TMP/state.XXXXXX")
        # DWARF call chains: the build keeps no frame pointers.
        perf record -q -F 999 --call-graph dwarf,16384 -o "$BENCH_BIN/namespaces-perf.data" -- \
                "$IPCREAPD" --once --dry-run --config "$TMP/once.conf" --state-dir "$state" \
                >/dev/null 2>&1 || true
        rm -rf "$state"
        # Self time (kernel and user), then the daemon's own functions with their callees.
        perf report -i "$BENCH_BIN/namespaces-perf.data" --stdio --no-children -g none \
                --sort dso,symbol 2>/dev/null | grep -E '^ +[0-9.]+%' | head -n 15 |
                sed 's/[ -]*$//' >"$TMP/perf-self.txt" || true
        perf report -i "$BENCH_BIN/namespaces-perf.data" --stdio --children -g none \
                --sort symbol 2>/dev/null | grep -E '^ +[0-9.]+%' | grep -v '\[k\]' |
                grep -v -E ' (_start|main|__libc_start|clone3|start_thread|getline|__GI|_IO_)' |
                head -n 20 | sed 's/[ -]*$//' >"$TMP/perf-children.txt" || true
fi

# ---- the daemon's memory with all of it tracked ----

progress "starting the daemon, waiting for its first pass"
SOCKET=$TMP/io.ipcreap.Reaper
start=$(date +%s.%N)
"$IPCREAPD" --config "$TMP/daemon.conf" --socket "$SOCKET" --state-dir "$TMP/state-daemon" \
        2>"$TMP/daemon.log" &
DAEMON_PID=$!
for ((t = 0; t < 1800; t++)); do
        kill -0 "$DAEMON_PID" 2>/dev/null || {
                echo "bench/namespaces.sh: ipcreapd exited early; its log:" >&2
                cat "$TMP/daemon.log" >&2
                exit 1
        }
        "$IPCREAPCTL" --socket "$SOCKET" status >"$TMP/status.out" 2>/dev/null &&
                grep -q '^ *Last scan: .*took' "$TMP/status.out" && break
        sleep 0.1
done
grep -q '^ *Last scan: .*took' "$TMP/status.out" || {
        echo "bench/namespaces.sh: ipcreapd did not finish its first pass in 180 s." >&2
        exit 1
}
first_pass=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.2f", e - s }')
took=$(sed -n 's/^ *Last scan: .*took \([0-9.]*s\).*/\1/p' "$TMP/status.out")
sleep 1
rss=$(vm_kib "$DAEMON_PID" VmRSS)
hwm=$(vm_kib "$DAEMON_PID" VmHWM)
# The last line of ipcreapctl list counts what the daemon tracks.
tracked=$("$IPCREAPCTL" --socket "$SOCKET" --no-pager list 2>/dev/null | tail -n 1)
# GetStatus has one entry, with its inode, per namespace the daemon scanned.
status_namespaces=$("$IPCREAPCTL" --socket "$SOCKET" --json status 2>/dev/null |
        grep -o '"inode"' | wc -l || true)
kill -TERM "$DAEMON_PID" 2>/dev/null || true
wait "$DAEMON_PID" 2>/dev/null || true
DAEMON_PID=

# ---- report ----

echo "IPC namespaces: one dry-run pass over every namespace (bench/namespaces.sh)"
echo "  date:     $(date -u '+%Y-%m-%d %H:%M:%S UTC')," \
     "source $(git -C "$TOP" rev-parse --short HEAD 2>/dev/null || echo unknown)"
echo "  machine:  $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')," \
     "kernel $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg) (other work adds noise)"
echo "  scene:    $NAMESPACES namespaces (unshare --ipc sleep) x $PER_NAMESPACE objects" \
     "(shm, sem of 4, msg in turn) + $HOST_OBJECTS in the host namespace ($HOST_PER_KIND" \
     "of each kind) = $TOTAL objects in $((NAMESPACES + 1)) namespaces, each used once by a" \
     "process that then exited"
echo "  host:     the benchmark's own private IPC namespace $ns (the machine's is untouched)"
echo "  the pass: $summary"
if [ "$NAMESPACE_SUPPORT" = 0 ]; then
        echo "  WARNING:  this ipcreapd has no namespace support (ScanNamespaces=/Namespace= rejected:"
        echo "            $(head -n 1 "$TMP/check-config.log")); it scanned the host namespace only,"
        echo "            so the pass's ratios below are NOT the target's"
elif [ "$PASS_COVERS_ALL" = 0 ]; then
        echo "  WARNING:  this ipcreapd's pass did not cover the scene (${summary%% *} objects of"
        echo "            $TOTAL): the pass's ratios below are NOT the target's"
fi
echo "  policy:   [Daemon] ScanNamespaces=all MaxReapsPerScan=0;" \
     "[Rule everywhere] Namespace=* MinIdleSec=0 Action=reap; --dry-run"
echo "  timing:   whole processes, fork to exit (bench/timecmd); median of $RUNS runs after a" \
     "warm-up, interleaved"
echo
echo "Commands (stdout to /dev/null):"
echo "    ipcreapd --once --dry-run --config once.conf --state-dir FRESH-DIR 2>/dev/null"
echo "    ns-floor        (bench/ns-floor.c: /proc/*/ns/ipc, then per namespace setns() and"
echo "                     bench/floor's work: the three tables, GETPID/GETNCNT/GETZCNT per"
echo "                     semaphore)"
echo "    bash -c 'lsns -t ipc -n -r -o PID | while read -r pid; do"
echo "             nsenter --ipc=/proc/\$pid/ns/ipc ipcs -a; done'"
if [ "$INCREMENTAL" = 1 ]; then
        echo "  and in each round a running daemon (inc.conf: the daemon's policy below plus"
        echo "  FullReadEvery=1000), fresh state dir, --log-level debug: its first pass; after"
        echo "  1.1 s and one pass to settle, $STEADY_PER_RUN passes where nothing changed; then"
        echo "  'touch -p $CHANGED_PERCENT -o ROUND NSFILE...' (bench/touch.c: $CHANGED_PERCENT % of each"
        echo "  namespace's objects, used by a process that exits) and the pass after it; passes"
        echo "  by 'ipcreapctl --json scan', timed by the daemon's durationSec (read + judgement)"
fi
echo
printf '  %-46s %9s %9s %9s %9s %13s\n' "" "median ms" "min ms" "max ms" "CPU ms" "peak RSS"
row "ipcreapd --once --dry-run" once-dry
row "floor: ns-floor, $((NAMESPACES + 1)) namespaces" floor
row "shell loop: lsns + nsenter ipcs -a" shell-loop
if [ "$INCREMENTAL" = 1 ]; then
        echo "  a running daemon's passes (durationSec; CPU: the daemon's; RSS: its VmHWM):"
        row "first pass (fresh daemon)" inc-first
        row "steady state: nothing changed" inc-steady
        row "$CHANGED_PERCENT % changed since the last pass" inc-changed
        echo "  what they read (the daemon's debug log):"
        echo "    first:  $(inc_reads inc-first)"
        echo "    steady: $(inc_reads inc-steady)"
        echo "    1 %:    $(inc_reads inc-changed)"
        echo "    touched per round: $(tail -n $((NAMESPACES + 1)) "$TMP/touch.out" |
                awk '{ n += $(NF - 9); t += $(NF - 7) } END { print n + 0 " of " t + 0 " objects" }')"
fi
echo "  for reference, the host namespace alone ($HOST_OBJECTS objects):"
[ "$NAMESPACE_SUPPORT" = 0 ] || row "ipcreapd --once --dry-run, ScanNamespaces=host" once-dry-host
row "floor (bench/floor)" floor-host
echo "  floor says: $(tail -n 1 "$TMP/floor.out")"
echo

pass=$(field once-dry 1 | median)
floor=$(field floor 1 | median)
loop=$(field shell-loop 1 | median)
pass_min=$(field once-dry 1 | min_of)
floor_min=$(field floor 1 | min_of)
echo "The daemon (not --once; policy as above with Action=report, ScanIntervalSec=1h):"
echo "  first pass done ${first_pass} s after start; the pass took $took (ipcreapctl status)"
echo "  ipcreapctl list says: $tracked (namespaces in GetStatus: $status_namespaces)"
echo "  after the first pass + 1 s: VmRSS $(mib "$rss") MiB, VmHWM $(mib "$hwm") MiB"
echo
echo "Targets (medians):"
printf '  %-46s %9s   %-12s %s\n' "" "measured" "target" "verdict"
DAEMON_COVERS_ALL=1
[ "${tracked%% *}" = "$TOTAL" ] || DAEMON_COVERS_ALL=0
# judge VALUE OP LIMIT COVERED: the verdict, or why there is none.
judge() {
        if [ "$4" = 1 ]; then
                verdict "$1" "$2" "$3"
        else
                echo "not judged: did not cover the scene"
        fi
}
printf '  %-46s %9s   %-12s %s\n' "pass / floor" "$(ratio "$pass" "$floor")" "<= 1.30" \
        "$(judge "$(ratio "$pass" "$floor")" "<=" 1.3 "$PASS_COVERS_ALL")"
printf '  %-46s %9s   %-12s %s\n' "pass / shell loop" "$(ratio "$pass" "$loop")" "< 1" \
        "$(judge "$(ratio "$pass" "$loop")" "<" 1 "$PASS_COVERS_ALL")"
if [ "$INCREMENTAL" = 1 ]; then
        for what in "first pass (daemon) / floor:inc-first:1.3" \
                    "steady-state pass / floor:inc-steady:0.3" \
                    "pass after $CHANGED_PERCENT % changed / floor:inc-changed:0.4"; do
                IFS=: read -r label name limit <<<"$what"
                v=$(ratio "$(field "$name" 1 | median)" "$floor")
                printf '  %-46s %9s   %-12s %s\n' "$label" "$v" "<= $limit" \
                        "$(judge "$v" "<=" "$limit" "$PASS_COVERS_ALL")"
        done
        echo "  (the same passes against the shell loop: first $(ratio "$(field inc-first 1 | median)" \
                "$loop"), steady $(ratio "$(field inc-steady 1 | median)" "$loop"), $CHANGED_PERCENT %" \
             "$(ratio "$(field inc-changed 1 | median)" "$loop"); CPU medians against the floor's:" \
             "first $(ratio "$(field inc-first 4 | median)" "$(field floor 4 | median)"), steady" \
             "$(ratio "$(field inc-steady 4 | median)" "$(field floor 4 | median)"), $CHANGED_PERCENT %" \
             "$(ratio "$(field inc-changed 4 | median)" "$(field floor 4 | median)"))"
fi
printf '  %-46s %9s   %-12s %s\n' "daemon VmHWM with all tracked (MiB)" "$(mib "$hwm")" "< 128" \
        "$(judge "$(mib "$hwm")" "<" 128 "$DAEMON_COVERS_ALL")"
echo "  (minimums: pass / floor = $(ratio "$pass_min" "$floor_min"); CPU medians, which other"
echo "   work on the machine disturbs less: pass / floor = $(ratio "$(field once-dry 4 | median)" \
        "$(field floor 4 | median)"), pass / shell loop = $(ratio "$(field once-dry 4 | median)" \
        "$(field shell-loop 4 | median)"))"
if [ "$NAMESPACE_SUPPORT" = 1 ]; then
        pass_host=$(field once-dry-host 1 | median)
        floor_host=$(field floor-host 1 | median)
        echo "  (the $NAMESPACES containers' share, all minus host-only medians: pass" \
             "$(ms "$(awk -v a="$pass" -v b="$pass_host" 'BEGIN { print a - b }')") ms," \
             "floor $(ms "$(awk -v a="$floor" -v b="$floor_host" 'BEGIN { print a - b }')") ms)"
fi

if [ "$PERF" = 1 ]; then
        echo
        echo "Where one pass's time went (perf record --call-graph dwarf; the data is in"
        echo "$BENCH_BIN/namespaces-perf.data). Self time:"
        sed 's/^/  /' "$TMP/perf-self.txt"
        echo "ipcreapd's functions, with what they call (children, self):"
        sed 's/^/  /' "$TMP/perf-children.txt"
fi

for log in "$TMP"/times/*.log; do
        [ -s "$log" ] || continue
        echo
        echo "stderr of $(basename "$log" .log) (first lines):"
        head -n 5 "$log" | sed 's/^/    /'
done
