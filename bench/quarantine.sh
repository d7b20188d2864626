#!/bin/bash
# Benchmarks the quarantine (issue 11): COUNT leaked segments of SIZE bytes (1,000 of 1 MiB),
# filled with data, quarantined by one pass of a running daemon under a Quarantine=yes rule,
# against the disk floor (bench/quarantine-floor.c: each segment attached, written to a file
# and fsync'd, one directory fsync); the same entries restored by a tight Varlink loop
# (bench/restore-loop.c, Restore after Restore on one connection) against the restore floor
# (each file read straight into a new segment); and GetStatus latency (bench/latency.c)
# during a quarantine pass and during restores by `ipcreapctl restore`. Medians of
# interleaved runs after a warm-up, with min and max; ratios per run and of the medians.
#
#   bench/quarantine.sh [--quick] [--runs N] [--count N] [--size BYTES] [--dir DIR]
#   (as root; BUILD=DIR selects the build directory, default build/)
#
# The state directory and the floor's files are on the disk (under DIR, default /var/tmp,
# never a tmpfs: the disk is the floor), in a directory of their own removed at exit. The rest
# runs in private IPC, mount and pid namespaces with a private /dev/shm: the host's objects
# are never seen or touched.
set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-$TOP/build}
case "$BUILD" in /*) ;; *) BUILD=$TOP/$BUILD ;; esac
BENCH_BIN=$BUILD/bench
REPORT=$BENCH_BIN/quarantine-report.txt

ARGS=("$@")
COUNT=1000 SIZE=1048576 RUNS=5 DIR=/var/tmp CLIENTS=64
while [ $# -gt 0 ]; do
        case "$1" in
        --quick) COUNT=200 RUNS=3 ;;
        --runs) RUNS=$2; shift ;;
        --count) COUNT=$2; shift ;;
        --size) SIZE=$2; shift ;;
        --dir) DIR=$2; shift ;;
        -h | --help) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "bench/quarantine.sh: unknown argument \"$1\" (see --help)" >&2; exit 2 ;;
        esac
        shift
done

progress() {
        echo "bench: $*" >&2
}

# ---- outside the namespaces: checks, build; then run again isolated ----

if [ -z "${IPCREAP_BENCH_ISOLATED:-}" ]; then
        if [ "$(id -u)" != 0 ]; then
                echo "bench/quarantine.sh needs root (private IPC, mount and pid namespaces," \
                     "IPC_RMID)." >&2
                exit 1
        fi
        for tool in unshare jq cc make; do
                command -v "$tool" >/dev/null ||
                        { echo "bench/quarantine.sh needs $tool." >&2; exit 1; }
        done
        if [ "$(stat -f -c %T "$DIR")" = tmpfs ]; then
                echo "bench/quarantine.sh: $DIR is a tmpfs; the floor is a disk: use --dir." >&2
                exit 1
        fi
        need=$((3 * COUNT * SIZE / 1024))
        avail=$(df -Pk "$DIR" | awk 'NR == 2 { print $4 }')
        if [ "$avail" -lt "$need" ]; then
                echo "bench/quarantine.sh: $DIR has $((avail / 1024)) MiB free, the runs need" \
                     "$((need / 1024)) MiB (--count, --size or --dir)." >&2
                exit 1
        fi
        progress "building ipcreapd in $BUILD"
        make -C "$TOP" BUILD="$BUILD" all >&2
        mkdir -p "$BENCH_BIN"
        for program in quarantine-floor restore-loop latency timecmd rmid; do
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
        echo "bench/quarantine.sh: refusing to run outside private IPC and pid namespaces." >&2
        exit 1
fi
[ "$(wc -l </proc/sysvipc/shm)" -le 1 ] || {
        echo "bench/quarantine.sh: this IPC namespace is not empty; refusing." >&2
        exit 1
}
# The daemon lists POSIX files too: ours, empty, so the host's are neither read nor touched.
mount -t tmpfs -o nosuid,nodev,mode=1777,size=16m ipcreap-bench-shm /dev/shm
[ "$(stat -c %d /dev/shm)" != "$IPCREAP_BENCH_HOST_SHM_DEV" ] || {
        echo "bench/quarantine.sh: /dev/shm is still the host's; refusing." >&2
        exit 1
}
# Room for COUNT segments whatever the machine's defaults (per namespace).
sysctl -q -w kernel.shmmni=$((COUNT + 64)) >/dev/null 2>&1 || true

IPCREAPD=$BUILD/ipcreapd
IPCREAPCTL=$BUILD/ipcreapctl
FLOOR=$BENCH_BIN/quarantine-floor
RESTORE_LOOP=$BENCH_BIN/restore-loop
LATENCY=$BENCH_BIN/latency
TIMECMD=$BENCH_BIN/timecmd
RMID=$BENCH_BIN/rmid

TMP=$(mktemp -d /tmp/ipcreap-bench-quarantine.XXXXXX)
WORK=$(mktemp -d "$DIR/ipcreap-bench-quarantine.XXXXXX")
SOCKET=$TMP/io.ipcreap.Reaper
DAEMON_PID=
cleanup() {
        [ -z "$DAEMON_PID" ] || { kill -TERM "$DAEMON_PID" 2>/dev/null; wait "$DAEMON_PID"; } || true
        if [ -n "${KEEP_TMP:-}" ]; then
                progress "kept $TMP and $WORK"
        else
                rm -rf "$TMP" "$WORK"
        fi
}
trap cleanup EXIT
mkdir "$TMP/times"

# ---- helpers (as bench/posix.sh) ----

field() { awk -v c="$2" '{ print $c }' "$TMP/times/$1"; }
median() {
        sort -g | awk '{ v[NR] = $1 } END {
                if (NR == 0) { print "nan"; exit }
                if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
min_of() { sort -g | head -n 1; }
max_of() { sort -g | tail -n 1; }
ms() { awk -v s="$1" 'BEGIN { if (s == "nan") print s; else printf "%.0f", s * 1000 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "nan" }'; }
verdict() {
        awk -v v="$1" -v op="$2" -v l="$3" 'BEGIN {
                ok = (op == "<=") ? v <= l : (op == "<") ? v < l : 0
                if (v == "nan") ok = 0
                print ok ? "met" : "NOT MET" }'
}
TICKS=$(getconf CLK_TCK)
# cpu_s PID: the whole process's user + system CPU seconds so far.
cpu_s() {
        awk -v t="$TICKS" '{ sub(/.*\) /, ""); printf "%.3f", ($12 + $13) / t }' "/proc/$1/stat"
}
# record NAME SECONDS CPU_SECONDS: a line in timecmd's format ("wall rss status cpu").
record() {
        echo "$2 0 0 $3" >>"$TMP/times/$1"
}
# timed NAME CMD...: CMD run by timecmd (a whole process, fork to exit); stdout kept.
timed() {
        local name=$1
        shift
        "$TIMECMD" "$TMP/times/$name" "$@" >"$TMP/out" 2>>"$TMP/times/$name.log" || {
                echo "bench: $name failed: $(tail -n 3 "$TMP/times/$name.log")" >&2
                exit 1
        }
}
row() {
        local label=$1 name=$2
        printf '  %-52s %9s %9s %9s %9s\n' "$label" "$(ms "$(field "$name" 1 | median)")" \
                "$(ms "$(field "$name" 1 | min_of)")" "$(ms "$(field "$name" 1 | max_of)")" \
                "$(ms "$(field "$name" 4 | median)")"
}
# per_run_ratios A B: "min-max" of A/B over the runs, each run's pair.
per_run_ratios() {
        paste <(field "$1" 1) <(field "$2" 1) |
                awk '$2 > 0 { r = $1 / $2; if (NR == 1 || r < lo) lo = r; if (NR == 1 || r > hi) hi = r }
                     END { printf "%.2f-%.2f", lo, hi }'
}
# latency_p NAME FIELD: median, min and max over the runs of FIELD (p99_ms, max_ms...).
latency_p() {
        local values
        values=$(sed -n "s/.* $2=\([0-9.]*\).*/\1/p" "$TMP/times/$1")
        echo "$(echo "$values" | median) $(echo "$values" | min_of) $(echo "$values" | max_of)"
}

ctl() {
        "$IPCREAPCTL" --socket "$SOCKET" "$@"
}
shm_count() {
        awk 'NR > 1' /proc/sysvipc/shm | wc -l
}
quarantine_ids() {
        ctl --json quarantine | jq -r '.entries[].quarantineId'
}

cat >"$TMP/policy.conf" <<P
[Daemon]
ScanIntervalSec=1h
MaxReapsPerScan=0
QuarantineMaxBytes=$((2 * COUNT * SIZE))
QuarantineKeepSec=0
[Rule quarantined]
Kind=shm
MinIdleSec=0
Quarantine=yes
P

start_daemon() {
        rm -rf "$WORK/state"
        mkdir "$WORK/state"
        "$IPCREAPD" --config "$TMP/policy.conf" --state-dir "$WORK/state" --socket "$SOCKET" \
                2>>"$TMP/daemon.log" &
        DAEMON_PID=$!
        for ((t = 0; t < 200; t++)); do
                ctl --json status 2>/dev/null | jq -e '.lastScan != null' >/dev/null && return 0
                sleep 0.05
        done
        echo "bench: ipcreapd did not start; its log:" >&2
        tail -n 20 "$TMP/daemon.log" >&2
        exit 1
}
stop_daemon() {
        kill -TERM "$DAEMON_PID"
        wait "$DAEMON_PID" || true
        DAEMON_PID=
}

# pass NAME: one quarantine pass by `ipcreapctl --json scan`; the daemon's durationSec and its
# CPU over the pass go to NAME, the client's wall time to NAME-wall. Every segment must have
# gone into the store.
pass() {
        local name=$1 cpu0 seconds
        cpu0=$(cpu_s "$DAEMON_PID")
        timed "$name-wall" "$IPCREAPCTL" --socket "$SOCKET" --json scan
        seconds=$(jq -r '.durationSec' "$TMP/out")
        record "$name" "$seconds" "$(awk -v a="$cpu0" -v b="$(cpu_s "$DAEMON_PID")" \
                'BEGIN { printf "%.3f", b - a }')"
        jq -r '.summary' "$TMP/out" >>"$TMP/times/$name.summary"
        if [ "$(shm_count)" != 0 ] || [ "$(quarantine_ids | wc -l)" != "$COUNT" ]; then
                echo "bench: the pass did not quarantine all $COUNT: $(jq -r .summary "$TMP/out")," \
                     "$(shm_count) left in the kernel" >&2
                tail -n 5 "$TMP/daemon.log" >&2
                exit 1
        fi
}

# after_restore NAME: every segment is back and the store is empty.
after_restore() {
        if [ "$(shm_count)" != "$COUNT" ] || [ -n "$(quarantine_ids)" ]; then
                echo "bench: $1 left $(shm_count) segments and $(quarantine_ids | wc -l) entries" >&2
                exit 1
        fi
}

# ---- the runs: one warm-up, then RUNS, the commands interleaved ----

echo "Quarantine and restore of $COUNT segments of $SIZE bytes (bench/quarantine.sh)"
echo "  kernel $(uname -r), $(nproc) CPUs, load at the start $(cut -d' ' -f1-3 /proc/loadavg)"
echo "  disk: $WORK on $(findmnt -n -o SOURCE,FSTYPE,OPTIONS -T "$WORK" | cut -c1-80)"
echo "  daemon's open-file limit: $(ulimit -Sn) (soft) $(ulimit -Hn) (hard)"

for ((run = 0; run <= RUNS; run++)); do
        [ "$run" = 0 ] && s=-warmup || s=
        progress "round $run of $RUNS${s:+ (warm-up)}"
        "$RMID" >/dev/null
        start_daemon
        "$FLOOR" populate "$COUNT" "$SIZE" >/dev/null

        # Quarantine: the floor, then the daemon's pass over the same segments.
        rm -rf "$WORK/floor" && mkdir "$WORK/floor"
        timed "q-floor$s" "$FLOOR" copy "$WORK/floor"
        pass "q-pass$s"

        # Restore: the floor from its own files, then the daemon from its store.
        "$RMID" >/dev/null
        timed "r-floor$s" "$FLOOR" restore "$WORK/floor"
        rm -rf "$WORK/floor"
        "$RMID" >/dev/null
        quarantine_ids >"$TMP/qids"
        cpu0=$(cpu_s "$DAEMON_PID")
        timed "r-loop-wall$s" "$RESTORE_LOOP" "$SOCKET" <"$TMP/qids"
        record "r-loop$s" "$(sed -n 's/.* seconds=\([0-9.]*\).*/\1/p' "$TMP/out")" \
                "$(awk -v a="$cpu0" -v b="$(cpu_s "$DAEMON_PID")" 'BEGIN { printf "%.3f", b - a }')"
        after_restore "the restore loop"

        # Latency: CLIENTS clients call GetStatus during a pass, then during restores by
        # ipcreapctl. The window is this run's unloaded pass time (or restore loop time), from
        # the pass's start: every counted request was made while the daemon worked.
        "$RMID" >/dev/null
        "$FLOOR" populate "$COUNT" "$SIZE" >/dev/null
        window=$(tail -n 1 "$TMP/times/q-pass$s" | awk '{ print ($1 > 0.5 ? $1 : 0.5) }')
        "$LATENCY" --socket "$SOCKET" -c "$CLIENTS" -w 0.5 -d "$window" \
                >>"$TMP/times/lat-pass$s" 2>>"$TMP/times/lat-pass.log" &
        latency_pid=$!
        sleep 0.5
        pass "q-pass-loaded$s"
        wait "$latency_pid" || echo "bench: latency reported errors during the pass" >&2
        quarantine_ids >"$TMP/qids"
        window=$(tail -n 1 "$TMP/times/r-loop$s" | awk '{ print ($1 > 0.5 ? $1 : 0.5) }')
        "$LATENCY" --socket "$SOCKET" -c "$CLIENTS" -w 0.5 -d "$window" \
                >>"$TMP/times/lat-restore$s" 2>>"$TMP/times/lat-restore.log" &
        latency_pid=$!
        sleep 0.5
        # shellcheck disable=SC2016 # expanded by the inner bash
        timed "r-ctl-loaded$s" bash -c \
                'while read -r q; do "$0" --socket "$1" restore "$q" >/dev/null || exit 1; done' \
                "$IPCREAPCTL" "$SOCKET" <"$TMP/qids"
        wait "$latency_pid" || echo "bench: latency reported errors during restores" >&2
        after_restore "ipcreapctl restore"
        stop_daemon
done
"$RMID" >/dev/null

# ---- report ----

echo "  load at the end $(cut -d' ' -f1-3 /proc/loadavg); median of $RUNS runs after a warm-up"
echo "  policy: [Rule quarantined] Kind=shm MinIdleSec=0 Quarantine=yes; MaxReapsPerScan=0"
echo "  the pass says: $(sort "$TMP/times/q-pass.summary" | uniq -c | sed 's/^ *//')"
echo
printf '  %-52s %9s %9s %9s %9s\n' "" "median ms" "min ms" "max ms" "CPU ms"
echo "  Quarantine:"
row "daemon's pass (durationSec of ipcreapctl --json scan)" q-pass
row "  ipcreapctl --json scan (process)" q-pass-wall
row "floor: attach, write, fsync each; fsync the dir" q-floor
echo "  Restore:"
row "daemon: Restore x $COUNT, one Varlink connection" r-loop
row "  restore-loop (process)" r-loop-wall
row "floor: read each file into a new segment" r-floor
echo "  Under $CLIENTS GetStatus clients (bench/latency.c):"
row "daemon's pass" q-pass-loaded
row "ipcreapctl restore QID x $COUNT (shell loop)" r-ctl-loaded
echo "  (CPU: the daemon's, all threads, over the pass or the restores; the floors' own)"
echo

q_pass=$(field q-pass 1 | median)
q_floor=$(field q-floor 1 | median)
r_loop=$(field r-loop 1 | median)
r_floor=$(field r-floor 1 | median)
read -r lp_med lp_min lp_max <<<"$(latency_p lat-pass p99_ms)"
read -r lr_med lr_min lr_max <<<"$(latency_p lat-restore p99_ms)"
echo "GetStatus latency, $CLIENTS clients (median over runs [min-max]):"
echo "  during the pass:     p99 $lp_med ms [$lp_min-$lp_max], max $(latency_p lat-pass max_ms |
        awk '{ print $1 " ms [" $2 "-" $3 "]" }'), median $(latency_p lat-pass median_ms |
        awk '{ print $1 }') ms"
echo "  during the restores: p99 $lr_med ms [$lr_min-$lr_max], max $(latency_p lat-restore max_ms |
        awk '{ print $1 " ms [" $2 "-" $3 "]" }'), median $(latency_p lat-restore median_ms |
        awk '{ print $1 }') ms"
echo
echo "Targets (medians; each run's ratio in brackets):"
printf '  %-44s %8s %-13s target <= 1.5: %s\n' "quarantine pass / floor" \
        "$(ratio "$q_pass" "$q_floor")" "[$(per_run_ratios q-pass q-floor)]" \
        "$(verdict "$(ratio "$q_pass" "$q_floor")" "<=" 1.5)"
printf '  %-44s %8s %-13s target <= 1.5: %s\n' "restore loop / floor" \
        "$(ratio "$r_loop" "$r_floor")" "[$(per_run_ratios r-loop r-floor)]" \
        "$(verdict "$(ratio "$r_loop" "$r_floor")" "<=" 1.5)"
printf '  %-44s %8s %-13s target < 10 ms: %s\n' "GetStatus p99 during the pass (ms)" "$lp_med" \
        "[$lp_min-$lp_max]" "$(verdict "$lp_med" "<" 10)"
printf '  %-44s %8s %-13s\n' "GetStatus p99 during restores (ms)" "$lr_med" "[$lr_min-$lr_max]"
for log in "$TMP"/times/*.log; do
        [ -s "$log" ] || continue
        echo
        echo "stderr of $(basename "$log" .log) (first lines):"
        head -n 5 "$log" | sed 's/^/    /'
done
