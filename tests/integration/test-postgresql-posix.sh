#!/bin/bash
# A real program: PostgreSQL 15 with dynamic_shared_memory_type=posix keeps its dynamic
# shared memory in /dev/shm/PostgreSQL.NNNN beside a small System V segment. While it runs,
# passes under a policy that would reap everything of its owner that is idle remove none of
# its files nor its segment, and it keeps answering queries, parallel ones (which make and
# drop dynamic segments) included, also during a pass. After kill -9 of every PostgreSQL
# process, one pass removes its PostgreSQL.* files and its System V segment together.
# Private IPC, pid and mount namespaces, with the test's own tmpfs on /dev/shm: only this
# test's PostgreSQL and its files are seen and touched.
TEST_PID_NAMESPACE=1
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/posix-lib.sh"

PGBIN=/usr/lib/postgresql/15/bin
[ -x "$PGBIN/initdb" ] || fail "PostgreSQL 15 is not installed (make check installs it)"
id postgres >/dev/null 2>&1 || fail "no postgres user"

# Some machines leave /dev/null unwritable for other users; fix it in this mount namespace,
# with the node on a tmpfs of our own mounted with dev (as test-postgresql-segment.sh).
mkdir "$TMP/devnull"
mount -t tmpfs -o dev,nosuid,noexec,mode=0755,size=64k ipcreap-test-null "$TMP/devnull"
mknod -m 666 "$TMP/devnull/null" c 1 3
mount --bind "$TMP/devnull/null" /dev/null
umount "$TMP/devnull"
setpriv --reuid=postgres --regid=postgres --clear-groups sh -c ': >/dev/null' ||
        fail "user postgres cannot write /dev/null, even after replacing it"

data=$TMP/pgdata
install -d -o postgres -g postgres "$data" "$TMP/pgsock" "$TMP/pglog"
as_postgres() { setpriv --reuid=postgres --regid=postgres --init-groups "$@"; }
psql() { as_postgres "$PGBIN/psql" -h "$TMP/pgsock" -d postgres -X -At "$@"; }
as_postgres "$PGBIN/initdb" -D "$data" -A trust >"$TMP/initdb.log" 2>&1 ||
        fail "initdb: $(tail -5 "$TMP/initdb.log")"
as_postgres "$PGBIN/pg_ctl" -D "$data" -l "$TMP/pglog/pg.log" -w -t 30 \
        -o "-k $TMP/pgsock -c listen_addresses= -c dynamic_shared_memory_type=posix -c max_worker_processes=8 -c max_parallel_workers=4" \
        start >/dev/null || fail "PostgreSQL did not start: $(tail -5 "$TMP/pglog/pg.log")"
postmaster=$(head -n1 "$data/postmaster.pid")
[ "$(readlink "/proc/$postmaster/ns/mnt")" = "$(readlink /proc/self/ns/mnt)" ] ||
        fail "PostgreSQL runs in another mount namespace: its /dev/shm is not ours"

pg_uid=$(id -u postgres)
segment=$(awk -v uid="$pg_uid" 'NR > 1 && $8 == uid { print $2 }' /proc/sysvipc/shm)
[ -n "$segment" ] || fail "PostgreSQL created no System V segment"
mapfile -t dsm < <(cd /dev/shm && ls -d PostgreSQL.* 2>/dev/null)
[ ${#dsm[@]} -gt 0 ] || fail "PostgreSQL made no /dev/shm/PostgreSQL.* file: $(ls -la /dev/shm)"
for f in "${dsm[@]}"; do
        [ "$(stat -c %u "/dev/shm/$f")" = "$pg_uid" ] || fail "$f is not postgres's"
done

# A table big enough to be scanned in parallel once parallelism costs nothing.
psql -c 'CREATE TABLE t AS SELECT g AS n FROM generate_series(1, 200000) g' >/dev/null ||
        fail "cannot create the table"
parallel_query() {
        psql -c 'SET max_parallel_workers_per_gather = 2' -c 'SET parallel_setup_cost = 0' \
                -c 'SET parallel_tuple_cost = 0' -c 'SET min_parallel_table_scan_size = 0' \
                -c 'EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) SELECT count(*) FROM t'
}
parallel_query >"$TMP/explain.out" 2>&1 || fail "parallel query: $(cat "$TMP/explain.out")"
grep -Eq 'Workers Launched: [1-9]' "$TMP/explain.out" ||
        fail "no parallel worker was launched: $(cat "$TMP/explain.out")"

check_alive() {
        local f
        assert_exists shm "$segment" "PostgreSQL is running ($1)"
        for f in "${dsm[@]}"; do assert_present "/dev/shm/$f" "PostgreSQL is running ($1)"; done
        [ "$(psql -c 'SELECT 1')" = 1 ] || fail "PostgreSQL stopped answering ($1)"
        parallel_query >"$TMP/explain.out" 2>&1 ||
                fail "parallel query failed ($1): $(cat "$TMP/explain.out")"
        grep -Eq 'Workers Launched: [1-9]' "$TMP/explain.out" ||
                fail "no parallel worker was launched ($1): $(cat "$TMP/explain.out")"
}

# 1. Only the in-use test stands between its files and removal: every PostgreSQL process
# maps them (and the segment is attached).
policy <<P
[Rule everything-idle]
Kind=all
Owner=postgres
MinIdleSec=0
RequireDeadPids=no
P
summary=$(run_once)
[[ "$summary" == *", 0 reaped" ]] || fail "summary with RequireDeadPids=no: $summary"
check_alive "RequireDeadPids=no"

# 2. The policy that would reap everything of postgres idle whose creator is gone, twice,
# the second time while parallel queries make and drop dynamic segments.
policy <<P
[Rule everything-idle]
Kind=all
Owner=postgres
MinIdleSec=0
RequireDeadPids=yes
P
summary=$(run_once)
[[ "$summary" == *", 0 orphans, 0 reaped" ]] || fail "summary with RequireDeadPids=yes: $summary"
check_alive "RequireDeadPids=yes"
( for _ in 1 2 3 4 5 6 7 8; do parallel_query >/dev/null || exit 1; done ) &
queries=$!
summary=$(run_once)
[[ "$summary" == *", 0 reaped" ]] || fail "summary during queries: $summary"
wait "$queries" || fail "a parallel query failed during the pass: $(tail -5 "$TMP/pglog/pg.log")"
check_alive "after a pass during queries"
! grep -Eq 'could not (open|remove) shared memory segment' "$TMP/pglog/pg.log" ||
        fail "PostgreSQL lost a segment: $(grep -E 'shared memory segment' "$TMP/pglog/pg.log")"

# Crash it: SIGKILL every PostgreSQL process (this pid namespace holds only ours).
mapfile -t dsm < <(cd /dev/shm && ls -d PostgreSQL.* 2>/dev/null)
pkill -KILL -u postgres || fail "no PostgreSQL process to kill"
wait_until 10 sh -c "! pgrep -u postgres >/dev/null" || fail "PostgreSQL survived SIGKILL"
nattch=$(awk -v id="$segment" 'NR > 1 && $2 == id { print $7 }' /proc/sysvipc/shm)
[ "$nattch" = 0 ] || fail "the leaked segment still has $nattch attachments"
[ ${#dsm[@]} -gt 0 ] || fail "no PostgreSQL.* file left after kill -9"

summary=$(run_once)
expected=$((${#dsm[@]} + 1))
[[ "$summary" == *", $expected orphans, $expected reaped" ]] ||
        fail "summary after kill -9 (${#dsm[@]} files and one segment): $summary"
assert_gone shm "$segment" "every PostgreSQL process is dead"
for f in "${dsm[@]}"; do assert_absent "/dev/shm/$f" "every PostgreSQL process is dead"; done
[ -z "$(cd /dev/shm && ls -d PostgreSQL.* 2>/dev/null)" ] || fail "PostgreSQL.* files remain"
pass "PostgreSQL's POSIX files and segment survive while it runs and go together after kill -9 ($summary)"
