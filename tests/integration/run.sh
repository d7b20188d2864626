#!/bin/bash
# Runs every integration test (tests/integration/test-*.sh), each in its own private IPC
# namespace, and reports which failed. Arguments: test names to run only those.
set -u
cd "$(dirname "$0")"
export BUILD=${BUILD:-$(cd ../.. && pwd)/build}

if [ "$(id -u)" != 0 ]; then
        echo "The integration tests need root (private IPC namespaces, IPC_RMID)." >&2
        exit 1
fi

tests=("$@")
[ ${#tests[@]} -gt 0 ] || tests=(test-*.sh)
failed=()
for t in "${tests[@]}"; do
        t=${t%.sh}.sh
        start=$(date +%s%N)
        if out=$(timeout 300 bash "./$t" 2>&1); then
                ms=$((($(date +%s%N) - start) / 1000000))
                printf '%-44s ok (%d.%03ds)\n' "${t%.sh}" $((ms / 1000)) $((ms % 1000))
        else
                printf '%-44s FAILED\n' "${t%.sh}"
                printf '%s\n' "$out" | sed 's/^/    /'
                failed+=("$t")
        fi
done
if [ ${#failed[@]} -gt 0 ]; then
        echo "${#failed[@]} integration test(s) failed: ${failed[*]}" >&2
        exit 1
fi
echo "all ${#tests[@]} integration tests passed"
