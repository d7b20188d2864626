#!/bin/sh
# Runs the cmocka unit tests, each in a private IPC namespace (some create real IPC
# objects), optionally under valgrind. Fails if any test fails or valgrind finds errors.
set -u

valgrind=""
if [ "${1:-}" = "--valgrind" ]; then
        valgrind="valgrind --quiet --error-exitcode=99 --leak-check=full \
                  --errors-for-leak-kinds=definite,indirect --track-fds=no"
        shift
fi

# Tests must never see the host's IPC objects.
isolate="unshare --ipc"
if ! unshare --ipc true 2>/dev/null; then
        echo "run-unit.sh: cannot create a private IPC namespace (run as root)." >&2
        exit 1
fi

failed=0
for t in "$@"; do
        name=${t##*/}
        if out=$($isolate $valgrind "$t" 2>&1); then
                printf '%-40s ok%s\n' "$name" "${valgrind:+ (valgrind)}"
        else
                printf '%-40s FAILED\n' "$name"
                printf '%s\n' "$out" | sed 's/^/    /'
                failed=$((failed + 1))
        fi
done
if [ "$failed" -gt 0 ]; then
        echo "$failed unit test program(s) failed." >&2
        exit 1
fi
