# Shared by the tests of incremental passes (test-incremental-*.sh), sourced after lib.sh:
# the daemon logs at debug level what each pass kept from the last one.

# scan_now: one pass, run now; its reply on stdout.
scan_now() {
        ctl --json scan
}

# last_pass_line: the debug line of the newest pass ("Pass: incremental read, N semaphore
# sets kept their pids from the last pass, M per-semaphore calls.").
last_pass_line() {
        grep "Pass: " "$TMP/daemon.log" | tail -n 1
}

# kept_sets and sem_calls: the two numbers of the newest pass's line.
kept_sets() {
        last_pass_line | sed -n 's/.*read, \([0-9]*\) semaphore set.*/\1/p'
}
sem_calls() {
        last_pass_line | sed -n 's/.* \([0-9]*\) per-semaphore call.*/\1/p'
}

# settle N: passes until one keeps the pids of N sets (their last change is then in a second
# before the read): a few seconds at most, as a set changed in the second of a read is read
# again by the next pass.
settle() {
        local i
        for ((i = 0; i < 40; i++)); do
                scan_now >/dev/null
                [ "$(kept_sets)" = "$1" ] && return 0
                sleep 0.1
        done
        fail "no pass kept the pids of $1 sets: $(last_pass_line)"
}
