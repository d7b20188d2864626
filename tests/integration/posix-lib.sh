# Shared by the POSIX IPC tests (test-posix-*.sh, test-postgresql-posix.sh), sourced right
# after lib.sh, which must have been told TEST_PID_NAMESPACE=1: the daemon reads the real
# /dev/shm and /dev/mqueue, so each test gets a fresh tmpfs on /dev/shm and a fresh mqueue
# mount on /dev/mqueue in its private mount namespace (never the host's files), a private
# IPC namespace (queues belong to it), and a private pid namespace (the in-use walk reads
# every process, and a process it cannot read, such as this machine's PID 1, keeps
# everything).

POSIX_HELPER=$BUILD/helpers/posix-helper
[ -x "$POSIX_HELPER" ] || fail "no $POSIX_HELPER (make BUILD=... $POSIX_HELPER)"

# lib.sh re-executes us as PID 1 of a new pid namespace, with --mount: anything else means
# the mounts below would land in the host's namespace.
[ "$$" = 1 ] && [ -n "${IPCREAP_TEST_ISOLATED:-}" ] ||
        fail "posix-lib.sh needs TEST_PID_NAMESPACE=1 before lib.sh (private mount namespace)"
[ "$(findmnt -no PROPAGATION / 2>/dev/null)" = private ] ||
        fail "the root mount propagates: mounts would reach the host"

# Where the host has no /dev/mqueue (no systemd here), creating the mount point would create
# it in the host's devtmpfs: lay an overlay over /dev instead, whose upper layer is a tmpfs
# of ours with dev (device nodes keep working through it). The overlay keeps its own
# reference to the upper layer, so the tmpfs is unmounted again and nothing stays in $TMP.
if [ ! -d /dev/mqueue ]; then
        mkdir "$TMP/devlayer"
        mount -t tmpfs -o dev,nosuid,mode=0755,size=1m ipcreap-test-devlayer "$TMP/devlayer"
        mkdir "$TMP/devlayer/upper" "$TMP/devlayer/work"
        mount -t overlay ipcreap-test-dev \
                -o "lowerdir=/dev,upperdir=$TMP/devlayer/upper,workdir=$TMP/devlayer/work" /dev
        umount "$TMP/devlayer"
        rmdir "$TMP/devlayer"
        mkdir /dev/mqueue
fi
HOST_SHM_DEV=$(stat -c %d /dev/shm)
mount -t tmpfs -o nosuid,nodev,mode=1777,size=64m ipcreap-test-shm /dev/shm
mount -t mqueue ipcreap-test-mqueue /dev/mqueue
[ "$(stat -c %d /dev/shm)" != "$HOST_SHM_DEV" ] || fail "/dev/shm is not our own tmpfs"
[ -z "$(ls -A /dev/shm)$(ls -A /dev/mqueue)" ] || fail "the fresh /dev/shm or /dev/mqueue is not empty"

# A uid and a second one no process runs as: under RequireDeadPids=yes a POSIX object is an
# orphan only when no process has its owner uid (SPEC section 7), and root runs the test.
NOBODY_UID=4242
OTHER_UID=4243

# shm_orphan NAME [SIZE] [UID]: a shared memory file whose creator has exited, owned by UID
# (default $NOBODY_UID).
shm_orphan() {
        "$POSIX_HELPER" shm-create "$1" "${2:-4096}" || fail "cannot create shm $1"
        chown "${3:-$NOBODY_UID}:${3:-$NOBODY_UID}" "/dev/shm/$1"
}

# sem_orphan NAME [UID]: a named semaphore (/dev/shm/sem.NAME) used once and left.
sem_orphan() {
        "$POSIX_HELPER" sem-create "$1" 0 || fail "cannot create sem $1"
        "$POSIX_HELPER" sem-post "$1" || fail "cannot post sem $1"
        chown "${2:-$NOBODY_UID}:${2:-$NOBODY_UID}" "/dev/shm/sem.$1"
}

# mq_orphan NAME [UID]: a message queue with one message in it, its users gone.
mq_orphan() {
        "$POSIX_HELPER" mq-create "$1" || fail "cannot create queue $1"
        "$POSIX_HELPER" mq-send "$1" || fail "cannot send to queue $1"
        chown "${2:-$NOBODY_UID}:${2:-$NOBODY_UID}" "/dev/mqueue/$1"
}

# hold NAME COMMAND ARGS: runs the helper holding something, as spawn NAME does, and waits
# for its "ready". The pid is in $SPAWNED.
hold() {
        local name=$1
        shift
        spawn "$name" "$POSIX_HELPER" "$@"
        wait_for_line "$TMP/$name.out" '^ready$'
}

# release PID: ends a holder and waits for it, so that the next pass sees it gone.
release() {
        kill -TERM "$1"
        wait "$1" 2>/dev/null || true
}

# Files by path, never following a symlink: -e would follow it.
present() { [ -e "$1" ] || [ -L "$1" ]; }
assert_present() { present "$1" || fail "$1 should still exist: ${2:-}"; }
assert_absent() { ! present "$1" || fail "$1 should have been removed: ${2:-}"; }

# posix_state KIND NAME: the object's state in the daemon's List (empty if not listed).
posix_state() {
        ctl --json list --kind "$1" | jq -r --arg name "$2" '.objects[] | select(.name == $name) | .state'
}

# assert_posix_state KIND NAME STATE
assert_posix_state() {
        local got
        got=$(posix_state "$1" "$2")
        [ "$got" = "$3" ] || fail "$1 $2: state '$got', expected '$3': $(ctl --json list --kind "$1")"
}

# pending KIND NAME: the reasons Explain gives for keeping the object, one a line.
pending() {
        ctl --json explain "$1" "$2" | jq -r '.pending[]?'
}

# run_once [ARGS]: lib.sh's once, failing the test with the daemon's words when the pass
# itself fails (a policy it refuses, say), instead of ending it silently under set -e.
run_once() {
        once "$@" || fail "ipcreapd --once $* failed: $(tail -n 5 "$TMP/once.log")"
}
