# Shared by the quarantine tests: the contents helper, a policy that quarantines what it
# reaps, and the store's entries.
# shellcheck shell=bash
QHELPER=$BUILD/helpers/quarantine-helper

# qpolicy [EXTRA DAEMON LINES]: every orphan idle 0 s is reaped into the quarantine.
qpolicy() {
        policy <<P
[Daemon]
ScanIntervalSec=1h
${1:-}
[Rule quarantined]
Kind=all
MinIdleSec=0
Quarantine=yes
P
}

# quarantine_ids: the QIDs of the store, one per line.
quarantine_ids() {
        ctl --json quarantine | jq -r '.entries[].quarantineId'
}

# shm_line ID: "key uid gid perms" of a segment in /proc/sysvipc/shm.
shm_line() {
        awk -v id="$1" 'NR > 1 && $2 == id { print $1, $8, $9, $3 }' /proc/sysvipc/shm
}
