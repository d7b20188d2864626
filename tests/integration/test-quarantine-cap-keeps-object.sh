#!/bin/bash
# An orphan whose copy does not fit QuarantineMaxBytes stays in the kernel, and Explain and the
# journal say why; one that fits beside it is quarantined.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/quarantine-lib.sh"

qpolicy "QuarantineMaxBytes=64K"
big=$(create shm 0xb16 131072)
small=$(create shm 0x5a1 4096)
mode=$(awk -v id="$big" 'NR > 1 && $2 == id { print $3 }' /proc/sysvipc/shm)
start_daemon
assert_exists shm "$big" "too big for the quarantine"
assert_gone shm "$small" "fits"
[ "$(awk -v id="$big" 'NR > 1 && $2 == id { print $3 }' /proc/sysvipc/shm)" = "$mode" ] ||
        fail "its mode changed"
ctl explain shm "$big" | grep -q "does not fit in the quarantine" ||
        fail "explain: $(ctl explain shm "$big")"
grep -q "Not removing shm $big.*QuarantineMaxBytes" "$TMP/daemon.log" ||
        fail "no journal line"
pass "an object too big for the quarantine stays"
