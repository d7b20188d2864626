#!/bin/sh
# Runs the libFuzzer harnesses that `make fuzz-build` put in BINDIR, each on its seed corpus
# (tests/fuzz/corpus/NAME) with its dictionary (tests/fuzz/NAME.dict) if it has one.
#   run.sh fuzz BINDIR SECONDS [NAME...]   fuzz each for SECONDS; new inputs go to
#                                          BINDIR/found/NAME, never into the tree
#   run.sh check BINDIR SECONDS [NAME...]  replay every seed, then fuzz each for SECONDS
#                                          from the seeds alone
# Fails if any harness crashes, leaks, hangs or trips a sanitizer; the input that did it is
# kept as BINDIR/artifacts/NAME-crash-*, and the log as BINDIR/logs/NAME.log.
set -eu

usage() {
        echo "usage: $0 fuzz|check BINDIR SECONDS [NAME...]" >&2
        exit 2
}
[ $# -ge 3 ] || usage
mode=$1 bin=$2 seconds=$3
shift 3
case "$mode" in fuzz | check) ;; *) usage ;; esac
here=$(cd "$(dirname "$0")" && pwd)

if [ $# -eq 0 ]; then
        for f in "$here"/fuzz-*.c; do
                n=${f##*/fuzz-}
                set -- "$@" "${n%.c}"
        done
fi

# A hang of this long on one input is a bug (a loop that never ends), not slowness.
per_input_timeout=25
mkdir -p "$bin/logs" "$bin/artifacts"
failed=""

# The last "cov: N ft: M" line libFuzzer printed, and its run count.
coverage() {
        grep -E '^#[0-9]+.*cov: ' "$1" | tail -n 1 |
                sed -E 's/^#([0-9]+)[[:space:]]+[A-Z]+[[:space:]]+cov: ([0-9]+) ft: ([0-9]+).*/cov \2 ft \3, \1 runs/'
}

fail() {
        echo "fuzz: $1: FAILED ($2); see $log:" >&2
        # The sanitizer report, without libFuzzer's progress lines.
        grep -vE '^#[0-9]+|^INFO:|^[[:space:]]*"' "$log" | tail -n 60 >&2
        failed="$failed $1"
}

for name in "$@"; do
        harness=$bin/fuzz-$name
        corpus=$here/corpus/$name
        log=$bin/logs/$name.log
        [ -x "$harness" ] || { echo "fuzz: $harness is not built" >&2; exit 1; }
        [ -d "$corpus" ] || { echo "fuzz: no seed corpus $corpus" >&2; exit 1; }
        set -- -timeout=$per_input_timeout -artifact_prefix="$bin/artifacts/$name-"
        [ -f "$here/$name.dict" ] && set -- "$@" -dict="$here/$name.dict"

        : >"$log"
        if [ "$mode" = check ]; then
                seeds=$(find "$corpus" -type f | wc -l)
                if ! "$harness" "$@" -runs=0 "$corpus" >>"$log" 2>&1; then
                        fail "$name" "replaying $seeds seeds"
                        continue
                fi
                found=$(mktemp -d "$bin/check-$name.XXXXXX")
        else
                found=$bin/found/$name
                mkdir -p "$found"
        fi
        # The first directory gets what libFuzzer finds; the seeds are only read.
        if "$harness" "$@" -max_total_time="$seconds" -print_final_stats=1 "$found" "$corpus" \
                >>"$log" 2>&1; then
                echo "fuzz: $name: ${seeds:+$seeds seeds replayed, }$seconds s: $(coverage "$log")"
        else
                fail "$name" "fuzzing"
        fi
        [ "$mode" = check ] && rm -rf "$found"
        unset seeds
done

if [ -n "$failed" ]; then
        echo "fuzz: failed:$failed" >&2
        exit 1
fi
