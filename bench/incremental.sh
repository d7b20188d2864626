# shellcheck shell=bash
# Sourced by bench/run.sh, bench/namespaces.sh and bench/posix.sh (not run by itself): times a
# running daemon's passes as issue 12 asks: its first pass, a steady-state pass where nothing
# changed since the last, and a pass after a given share of the objects changed.
#
# Each pass's time is the daemon's own durationSec (measured inside the daemon, around the
# read and the judgement: not the client, not the state file), its CPU the whole daemon's
# user + system time over the pass (from /proc/PID/stat, so 10 ms ticks) and its memory the
# daemon's VmHWM; lines go to $TMP/times/NAME in timecmd's format ("wall rss status cpu"), so
# the scripts' row() prints them. The wall time of the whole `ipcreapctl --json scan` process
# goes to NAME-wall. The daemon runs at --log-level debug: its "Pass: ... read, N semaphore
# sets kept their pids from the last pass, M per-semaphore calls." line of each pass goes to
# $TMP/times/NAME.pass, so the report shows what each measured pass really read.
#
# The caller defines IPCREAPD, IPCREAPCTL, TIMECMD and TMP (with $TMP/times).

INC_PID=
INC_TICKS=$(getconf CLK_TCK)

# inc_cpu_s PID: the user + system CPU seconds of the whole process so far.
inc_cpu_s() {
        awk -v t="$INC_TICKS" '{ sub(/.*\) /, ""); printf "%.3f", ($12 + $13) / t }' \
                "/proc/$1/stat"
}

inc_hwm_kib() {
        awk '$1 == "VmHWM:" { print $2 }' "/proc/$1/status"
}

# inc_last_pass LOG: "full|incremental KEPT CALLS" from the last Pass: line of the log.
inc_last_pass() {
        sed -n 's/.*Pass: \([a-z]*\) read, \([0-9]*\) semaphore sets\{0,1\} kept .*, \([0-9]*\) per-semaphore calls\{0,1\}\..*/\1 \2 \3/p' \
                "$1" | tail -n 1
}

# inc_record NAME SECONDS CPU0 CPU1 LOG: one measured pass.
inc_record() {
        local name=$1 seconds=$2
        echo "${seconds:-nan} $(inc_hwm_kib "$INC_PID") 0 $(awk -v a="$3" -v b="$4" \
                'BEGIN { printf "%.3f", b - a }')" >>"$TMP/times/$name"
        # An empty line when the log has none, so the count of passes stays right.
        inc_last_pass "$5" | grep . >>"$TMP/times/$name.pass" || echo >>"$TMP/times/$name.pass"
}

# inc_start NAME CONF SOCKET STATE LOG [DAEMON-OPTION...]: starts a daemon with a fresh
# state directory and records its first pass (CPU: all the daemon's since its start).
inc_start() {
        local name=$1 conf=$2 socket=$3 state=$4 log=$5 t seconds
        shift 5
        rm -rf "$state"
        "$IPCREAPD" --config "$conf" --socket "$socket" --state-dir "$state" --log-level debug \
                "$@" 2>"$log" &
        INC_PID=$!
        for ((t = 0; t < 6000; t++)); do
                if ! kill -0 "$INC_PID" 2>/dev/null; then
                        echo "bench: ipcreapd exited early; its log:" >&2
                        tail -n 20 "$log" >&2
                        exit 1
                fi
                "$IPCREAPCTL" --socket "$socket" --json status >"$TMP/inc-status.json" 2>/dev/null &&
                        grep -q '"lastScan": *{' "$TMP/inc-status.json" && break
                sleep 0.05
        done
        grep -q '"lastScan": *{' "$TMP/inc-status.json" || {
                echo "bench: ipcreapd did not finish its first pass in 300 s" >&2
                exit 1
        }
        seconds=$(grep -o '"lastScan": *{[^}]*}' "$TMP/inc-status.json" |
                sed -n 's/.*"durationSec": *\([0-9.eE+-]*\).*/\1/p')
        inc_record "$name" "$seconds" 0 "$(inc_cpu_s "$INC_PID")" "$log"
}

# inc_scan NAME SOCKET LOG: one pass now (ipcreapctl --json scan), recorded.
inc_scan() {
        local name=$1 socket=$2 log=$3 cpu0 seconds
        cpu0=$(inc_cpu_s "$INC_PID")
        "$TIMECMD" "$TMP/times/$name-wall" "$IPCREAPCTL" --socket "$socket" --json scan \
                >"$TMP/inc-scan.json" 2>>"$TMP/times/$name.log" || true
        seconds=$(sed -n 's/.*"durationSec": *\([0-9.eE+-]*\).*/\1/p' "$TMP/inc-scan.json")
        inc_record "$name" "$seconds" "$cpu0" "$(inc_cpu_s "$INC_PID")" "$log"
}

inc_stop() {
        if [ -n "$INC_PID" ]; then
                kill -TERM "$INC_PID" 2>/dev/null || true
                wait "$INC_PID" 2>/dev/null || true
                INC_PID=
        fi
}

# inc_round PREFIX CONF SOCKET STATE LOG STEADY [TOUCH-COMMAND...]: one round on the scene as
# it is: a fresh daemon's first pass (PREFIX-first); past the second of the last change, one
# pass to settle (a set changed in the second of a read is read again by the next pass), then
# STEADY passes where nothing changed (PREFIX-steady); then, with a touch command, that
# command and the pass after it (PREFIX-changed); the daemon is stopped. The daemon's options
# come from $INC_DAEMON_OPTIONS (an array), if set.
inc_round() {
        local prefix=$1 conf=$2 socket=$3 state=$4 log=$5 steady=$6 k
        shift 6
        inc_start "$prefix-first" "$conf" "$socket" "$state" "$log" \
                ${INC_DAEMON_OPTIONS[@]+"${INC_DAEMON_OPTIONS[@]}"}
        sleep 1.1
        inc_scan "$prefix-settle" "$socket" "$log"
        for ((k = 0; k < steady; k++)); do
                inc_scan "$prefix-steady" "$socket" "$log"
        done
        if [ $# -gt 0 ]; then
                "$@" >>"$TMP/touch.out" 2>>"$TMP/times/touch.log" ||
                        echo "bench: the touch command failed: $(tail -n 1 "$TMP/times/touch.log")" >&2
                inc_scan "$prefix-changed" "$socket" "$log"
        fi
        inc_stop
}

# inc_reads NAME: what the measured passes of NAME read, e.g. "incremental read, 32000 sets
# kept, 256000 per-semaphore calls (x10)", one clause per distinct line.
inc_reads() {
        sort "$TMP/times/$1.pass" | uniq -c | awk '{
                sep = NR > 1 ? "; " : ""
                printf "%s%s read, %s sets kept, %s per-semaphore calls (x%s)", sep, $2, $3, $4, $1
        } END { print "" }'
}
