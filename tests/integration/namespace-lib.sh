# Shared by the test-namespace-* tests: "containers" (a process alone in an IPC namespace of
# its own, made with unshare), and running, creating and looking inside them. Source it after
# lib.sh. The test's private namespace is the daemon's "host"; a container's is ipc-INODE.

# entered PID: PID is in another IPC namespace than the test (unshare has done its work).
entered() {
        [ "$(readlink "/proc/$1/ns/ipc")" != "$(readlink /proc/self/ns/ipc)" ]
}

# container [UNSHARE-OPTIONS]: starts a container, a sleep in a new IPC namespace held until
# the test ends (or until it is killed). Sets C_PID (the process holding it), C_INODE and
# C_NS, its name in the daemon.
container() {
        unshare --ipc "$@" sleep 600 &
        C_PID=$!
        BACKGROUND+=("$C_PID")
        wait_until 5 entered "$C_PID" || fail "process $C_PID never got an IPC namespace of its own"
        C_INODE=$(stat -L -c %i "/proc/$C_PID/ns/ipc")
        C_NS=ipc-$C_INODE
}

# in_ns PID CMD...: runs CMD in the IPC namespace of PID (only that one: pids stay the test's).
in_ns() {
        local pid=$1
        shift
        nsenter --ipc="/proc/$pid/ns/ipc" -- "$@"
}

# ns_create PID KEY [SIZE]: a leaked segment in PID's namespace, its creator exited; its id.
ns_create() {
        in_ns "$1" "$HELPER" shm-create "$2" "${3:-4096}"
}

# ns_exists PID KIND ID: the object is in the kernel's table of PID's namespace.
ns_exists() {
        in_ns "$1" awk -v id="$3" 'NR > 1 && $2 == id { found = 1 } END { exit !found }' \
                "/proc/sysvipc/$2"
}

# ns_count PID KIND: how many objects of KIND PID's namespace has.
ns_count() {
        in_ns "$1" awk 'NR > 1' "/proc/sysvipc/$2" | wc -l
}

# ns_field PID KIND ID COLUMN: a column of /proc/sysvipc/KIND in PID's namespace (header name).
ns_field() {
        in_ns "$1" awk -v id="$3" -v col="$4" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == col) c = i }
                NR > 1 && $2 == id { print $c }' "/proc/sysvipc/$2"
}

# ns_object NAMESPACE KIND ID: the object as List shows it to root ("" when not listed).
ns_object() {
        ctl --json list --namespace "$1" --kind "$2" |
                jq -c --argjson id "$3" '.objects[] | select(.id == $id)'
}

# kill_wait [PID...]: kills and reaps background processes of the test (none: nothing).
kill_wait() {
        [ $# -gt 0 ] || return 0
        kill "$@" 2>/dev/null || true
        wait "$@" 2>/dev/null || true
}
