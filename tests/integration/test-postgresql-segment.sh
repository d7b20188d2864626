#!/bin/bash
# A real program: PostgreSQL keeps a small SysV segment attached while it runs. Under a
# policy that would reap everything idle, the segment survives passes while PostgreSQL
# runs, and is removed once every PostgreSQL process was killed with SIGKILL (a true leak).
# Runs in private IPC, pid and mount namespaces, so only this test's PostgreSQL is touched.
TEST_PID_NAMESPACE=1
source "$(dirname "$0")/lib.sh"

PGBIN=/usr/lib/postgresql/15/bin
[ -x "$PGBIN/initdb" ] || fail "PostgreSQL 15 is not installed (make check installs it)"
id postgres >/dev/null 2>&1 || fail "no postgres user"

# Some machines leave /dev/null unwritable for other users; fix it in this mount namespace.
# The node lives on a tmpfs of our own mounted with dev: $TMP may be on a nodev filesystem
# (systemd-nspawn mounts /tmp nodev), where opening a device node fails with EACCES, and a
# bind mount keeps the flags of its source. Once bound, the tmpfs is unmounted again: the
# bind mount holds the node, and nothing is left mounted in $TMP for the cleanup.
mkdir "$TMP/dev"
mount -t tmpfs -o dev,nosuid,noexec,mode=0755,size=64k ipcreap-test-dev "$TMP/dev"
mknod -m 666 "$TMP/dev/null" c 1 3
mount --bind "$TMP/dev/null" /dev/null
umount "$TMP/dev"
setpriv --reuid=postgres --regid=postgres --clear-groups sh -c ': >/dev/null' ||
        fail "user postgres cannot write /dev/null, even after replacing it"

data=$TMP/pgdata
install -d -o postgres -g postgres "$data" "$TMP/pgsock" "$TMP/pglog"
as_postgres() { setpriv --reuid=postgres --regid=postgres --init-groups "$@"; }
as_postgres "$PGBIN/initdb" -D "$data" -A trust >"$TMP/initdb.log" 2>&1 ||
        fail "initdb: $(tail -5 "$TMP/initdb.log")"
# dynamic_shared_memory_type=mmap keeps PostgreSQL out of /dev/shm, which namespaces do
# not isolate.
as_postgres "$PGBIN/pg_ctl" -D "$data" -l "$TMP/pglog/pg.log" -w -t 30 \
        -o "-k $TMP/pgsock -c listen_addresses= -c dynamic_shared_memory_type=mmap" start \
        >/dev/null || fail "PostgreSQL did not start: $(tail -5 "$TMP/pglog/pg.log")"

pg_uid=$(id -u postgres)
segment=$(awk -v uid="$pg_uid" 'NR > 1 && $8 == uid { print $2 }' /proc/sysvipc/shm)
[ -n "$segment" ] || fail "PostgreSQL created no SysV segment"
nattch=$(awk -v id="$segment" 'NR > 1 && $2 == id { print $7 }' /proc/sysvipc/shm)
[ "$nattch" -gt 0 ] || fail "PostgreSQL's segment is not attached"

policy <<'P'
[Rule everything-idle]
MinIdleSec=0
RequireDeadPids=no
P
for pass in 1 2; do
        once >/dev/null
        assert_exists shm "$segment" "PostgreSQL is running (pass $pass)"
done
as_postgres "$PGBIN/psql" -h "$TMP/pgsock" -d postgres -Atc 'select 1' >/dev/null ||
        fail "PostgreSQL stopped answering after the passes"

# Crash it: SIGKILL every PostgreSQL process (this pid namespace holds only ours).
pkill -KILL -u postgres || fail "no PostgreSQL process to kill"
wait_until 10 sh -c "! pgrep -u postgres >/dev/null" || fail "PostgreSQL survived SIGKILL"
nattch=$(awk -v id="$segment" 'NR > 1 && $2 == id { print $7 }' /proc/sysvipc/shm)
[ "$nattch" = 0 ] || fail "the leaked segment still has $nattch attachments"

policy <<'P'
[Rule everything-idle]
MinIdleSec=0
RequireDeadPids=yes
P
summary=$(once)
assert_gone shm "$segment" "every PostgreSQL process is dead"
pass "PostgreSQL's segment survives while it runs and is reaped after kill -9 ($summary)"
