# Shared by the integration tests: private namespaces, a scratch directory, the programs,
# and small assertions. Source it first thing. Every test has private IPC, mount and pid
# namespaces, and a fresh tmpfs on /dev/shm: the daemon looks for IPC namespaces in every
# process of /proc, and in a private pid namespace those are only the test's own, so the
# machine's other namespaces (its real host's among them) are never read or touched.
# TEST_PID_NAMESPACE=0 opts out, for a test that must see the machine's processes.
set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${BUILD:-$TOP/build}
IPCREAPD=$BUILD/ipcreapd
IPCREAPCTL=$BUILD/ipcreapctl
HELPER=$BUILD/helpers/ipc-helper
PROBE=$BUILD/helpers/varlink-probe
TEST_NAME=$(basename "$0" .sh)

# Every test runs in a private IPC namespace: it must never see or touch the host's objects.
if [ -z "${IPCREAP_TEST_ISOLATED:-}" ]; then
        export IPCREAP_TEST_ISOLATED=1 BUILD
        IPCREAP_HOST_IPC_NS=$(readlink /proc/self/ns/ipc)
        export IPCREAP_HOST_IPC_NS
        if [ "${TEST_PID_NAMESPACE:-1}" = 1 ]; then
                exec unshare --ipc --mount --pid --fork --mount-proc --kill-child "$0" "$@"
        fi
        exec unshare --ipc --mount "$0" "$@"
fi
if [ "$(readlink /proc/self/ns/ipc)" = "${IPCREAP_HOST_IPC_NS:-}" ]; then
        echo "$TEST_NAME: refusing to run in the host's IPC namespace" >&2
        exit 1
fi
# The daemon reads /dev/shm (POSIX objects): every test gets a fresh, empty one in its
# private mount namespace, so that the host's files are neither seen nor touched.
if [ -z "${IPCREAP_TEST_SHM:-}" ] && [ -d /dev/shm ]; then
        mount -t tmpfs -o mode=1777,size=64m tmpfs /dev/shm ||
                { echo "$TEST_NAME: cannot mount a private /dev/shm" >&2; exit 1; }
        export IPCREAP_TEST_SHM=1
fi

TMP=$(mktemp -d "/tmp/ipcreap-$TEST_NAME.XXXXXX")
chmod 755 "$TMP"
POLICY=$TMP/ipcreap.conf
STATE=$TMP/state
SOCKET=$TMP/io.ipcreap.Reaper
BACKGROUND=()
DAEMON_PID=

cleanup() {
        local pid
        for pid in "${BACKGROUND[@]}" $DAEMON_PID; do
                kill -TERM "$pid" 2>/dev/null || true
        done
        # As PID 1 of the test's own pid namespace, everything left is the test's: a
        # "container" made with unshare --fork ignores SIGTERM while its child runs, and its
        # processes would hold the output pipe of run.sh open.
        if [ "$$" = 1 ]; then
                sleep 0.2
                kill -KILL -1 2>/dev/null || true
        fi
        wait 2>/dev/null || true
        if [ -n "${KEEP_TMP:-}" ]; then
                echo "$TEST_NAME: kept $TMP" >&2
        else
                rm -rf "$TMP"
        fi
}
trap cleanup EXIT

fail() {
        echo "FAIL: $TEST_NAME: $*" >&2
        if [ -s "$TMP/daemon.log" ]; then
                echo "--- daemon log ---" >&2
                tail -n 30 "$TMP/daemon.log" >&2
        fi
        exit 1
}

pass() {
        echo "ok: $*"
}

# policy < TEXT: writes the policy file under test.
policy() {
        cat >"$POLICY"
}

# once [ARGS]: one pass with the policy under test; the summary line on stdout.
once() {
        "$IPCREAPD" --once --config "$POLICY" --state-dir "$STATE" "$@" 2>>"$TMP/once.log"
}

# exists KIND ID: the object is in the kernel's table.
exists() {
        awk -v id="$2" 'NR > 1 && $2 == id { found = 1 } END { exit !found }' \
                "/proc/sysvipc/$1"
}

assert_exists() {
        exists "$1" "$2" || fail "$1 $2 should exist: ${3:-}"
}

assert_gone() {
        ! exists "$1" "$2" || fail "$1 $2 should have been removed: ${3:-}"
}

count_objects() {
        awk 'NR > 1' "/proc/sysvipc/$1" | wc -l
}

# create KIND [KEY] [SIZE]: a leaked object whose creator has exited; prints its id. Sets
# and queues are used once by a process that exits, as a real leak has been: with no pid
# recorded at all their creator would be unknown, not dead (root always runs processes).
create() {
        local id
        case "$1" in
        shm) "$HELPER" shm-create "${2:-private}" "${3:-4096}" ;;
        sem)
                id=$("$HELPER" sem-create "${2:-private}" "${3:-2}")
                "$HELPER" sem-touch "$id"
                echo "$id"
                ;;
        msg)
                id=$("$HELPER" msg-create "${2:-private}")
                "$HELPER" msg-touch "$id"
                echo "$id"
                ;;
        esac
}

# spawn NAME CMD...: runs CMD in the background with its output in $TMP/NAME.out; the pid
# goes to $SPAWNED and is killed at exit.
spawn() {
        local name=$1
        shift
        "$@" >"$TMP/$name.out" 2>&1 &
        SPAWNED=$!
        BACKGROUND+=("$SPAWNED")
}

# wait_for_line FILE PATTERN [SECONDS]: until FILE has a line matching PATTERN.
wait_for_line() {
        local i
        for ((i = 0; i < ${3:-5} * 20; i++)); do
                grep -q -- "$2" "$1" 2>/dev/null && return 0
                sleep 0.05
        done
        fail "timed out waiting for '$2' in $1: $(cat "$1" 2>/dev/null)"
}

# wait_until SECONDS CMD...: until CMD succeeds.
wait_until() {
        local limit=$1 i
        shift
        for ((i = 0; i < limit * 20; i++)); do
                "$@" >/dev/null 2>&1 && return 0
                sleep 0.05
        done
        return 1
}

ctl() {
        "$IPCREAPCTL" --socket "$SOCKET" --no-pager "$@"
}

# start_daemon [ARGS]: runs ipcreapd on the policy under test and waits for its first pass.
start_daemon() {
        "$IPCREAPD" --config "$POLICY" --state-dir "$STATE" --socket "$SOCKET" "$@" \
                >>"$TMP/daemon.log" 2>&1 &
        DAEMON_PID=$!
        wait_until 10 daemon_scanned || fail "the daemon did not finish a first pass"
}

daemon_scanned() {
        ctl --json status | jq -e '.lastScan != null' >/dev/null
}

# stop_daemon: SIGTERM, and the exit status must be 0.
stop_daemon() {
        local status=0
        kill -TERM "$DAEMON_PID"
        wait "$DAEMON_PID" || status=$?
        DAEMON_PID=
        [ "$status" = 0 ] || fail "ipcreapd exited with $status after SIGTERM"
}

# json_state KIND ID: the object's state in the daemon's List.
json_state() {
        ctl --json list --kind "$1" | jq -r --argjson id "$2" '.objects[] | select(.id == $id) | .state'
}
