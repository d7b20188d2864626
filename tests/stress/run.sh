#!/bin/bash
# Runs the stress tests (tests/stress/test-*.sh): long loops that catch rare races and
# crashes, too slow for make check. Each in a private IPC namespace (through lib.sh), each
# bounded by STRESS_TIMEOUT seconds. Arguments: test names to run only those.
set -u
cd "$(dirname "$0")"
export BUILD=${BUILD:-$(cd ../.. && pwd)/build}

if [ "$(id -u)" != 0 ]; then
        echo "The stress tests need root (private IPC namespaces, IPC_RMID)." >&2
        exit 1
fi

tests=("$@")
[ ${#tests[@]} -gt 0 ] || tests=(test-*.sh)
failed=()
for t in "${tests[@]}"; do
        t=${t%.sh}.sh
        start=$(date +%s)
        if out=$(timeout "${STRESS_TIMEOUT:-900}" bash "./$t" 2>&1); then
                printf '%-44s ok (%ds)\n' "${t%.sh}" $(($(date +%s) - start))
                printf '%s\n' "$out" | grep -v '^ok:' | sed 's/^/    /'
        else
                printf '%-44s FAILED\n' "${t%.sh}"
                printf '%s\n' "$out" | tail -n 40 | sed 's/^/    /'
                failed+=("$t")
        fi
done
if [ ${#failed[@]} -gt 0 ]; then
        echo "${#failed[@]} stress test(s) failed: ${failed[*]}" >&2
        exit 1
fi
echo "all ${#tests[@]} stress tests passed"
