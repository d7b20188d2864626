#!/bin/bash
# In /dev/shm only regular files are POSIX objects: a symlink to a file elsewhere is neither
# followed nor removed (its target keeps its mode and contents), and a directory (with a
# file inside), a FIFO and a symlink named like a semaphore are listed as unmatched and
# never touched, even when they and their targets are owned by a uid no process runs as.
# A regular orphan beside them shows that the pass did remove what it should.
TEST_PID_NAMESPACE=1
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/posix-lib.sh"

policy <<'P'
[Daemon]
ScanIntervalSec=1h
[Rule posix-leaks]
Kind=posix-shm posix-sem posix-mq
MinIdleSec=0
RequireDeadPids=yes
P
echo "not shared memory" >"$TMP/target"
chmod 644 "$TMP/target"
chown "$NOBODY_UID:$NOBODY_UID" "$TMP/target"
ln -s "$TMP/target" /dev/shm/link
ln -s "$TMP/target" /dev/shm/sem.link
mkdir /dev/shm/dir
echo inner >/dev/shm/dir/inner
mkfifo /dev/shm/fifo
chown -h "$NOBODY_UID:$NOBODY_UID" /dev/shm/link /dev/shm/sem.link /dev/shm/dir \
        /dev/shm/dir/inner /dev/shm/fifo
shm_orphan real
before=$(stat -c '%a %s %Y %i' "$TMP/target")

summary=$(run_once)
[[ "$summary" == *", 1 reaped" ]] || fail "summary: $summary"
assert_absent /dev/shm/real "the regular orphan beside them"
for f in link sem.link dir dir/inner fifo; do
        assert_present "/dev/shm/$f" "not a regular file"
done
[ -L /dev/shm/link ] && [ "$(readlink /dev/shm/link)" = "$TMP/target" ] || fail "link changed"
[ -d /dev/shm/dir ] || fail "dir is no longer a directory"
[ -p /dev/shm/fifo ] || fail "fifo is no longer a FIFO"
assert_present "$TMP/target" "a symlink's target must never be touched"
[ "$(stat -c '%a %s %Y %i' "$TMP/target")" = "$before" ] ||
        fail "the target changed: $before -> $(stat -c '%a %s %Y %i' "$TMP/target")"
[ "$(cat "$TMP/target")" = "not shared memory" ] || fail "the target's contents changed"
[ "$(stat -c %a /dev/shm/dir)" = 755 ] || fail "the directory's mode changed"

# The daemon lists them as unmatched, whatever kind it files them under.
start_daemon
for f in link sem.link dir fifo; do
        state=$(ctl --json list | jq -r --arg f "$f" \
                '[.objects[] | select(.name == $f or .name == ($f | ltrimstr("sem."))) | .state] | unique | join(",")')
        [ "$state" = unmatched ] || fail "$f: state '$state', expected unmatched: $(ctl --json list)"
done
stop_daemon
for f in link sem.link dir dir/inner fifo; do
        assert_present "/dev/shm/$f" "after the daemon's pass"
done
assert_present "$TMP/target" "after the daemon's pass"
pass "symlinks, directories and FIFOs in /dev/shm are untouched and unmatched ($summary)"
