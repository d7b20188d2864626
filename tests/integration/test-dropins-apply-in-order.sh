#!/bin/bash
# Drop-ins in FILE.d/*.conf are read after the main file in lexical order: later [Daemon]
# values override earlier ones, rules are appended after the main file's, in order, and
# files not ending in .conf are ignored.
source "$(dirname "$0")/lib.sh"

policy <<'P'
[Daemon]
MaxReapsPerScan=50
[Rule protect-main]
Key=0x3001
Action=keep
P
mkdir "$POLICY.d"
cat >"$POLICY.d/20-second.conf" <<'P'
[Daemon]
MaxReapsPerScan=2
[Rule reap-all]
MinIdleSec=0
P
cat >"$POLICY.d/10-first.conf" <<'P'
[Daemon]
MaxReapsPerScan=1
[Rule protect-first]
Key=0x3002
Action=keep
P
cat >"$POLICY.d/30-ignored.conf.disabled" <<'P'
[Rule would-keep-everything]
Action=keep
P

effective=$("$IPCREAPD" --check-config --config "$POLICY")
grep -q '^MaxReapsPerScan=2$' <<<"$effective" || fail "20-second.conf should win: $effective"
order=$(grep '^\[Rule ' <<<"$effective" | tr '\n' ' ')
[ "$order" = "[Rule protect-main] [Rule protect-first] [Rule reap-all] " ] ||
        fail "rule order: $order"

a=$(create shm 0x3001); b=$(create shm 0x3002); c=$(create shm 0x3003)
d=$(create shm 0x3004); e=$(create shm 0x3005)
summary=$(once)
assert_exists shm "$a"; assert_exists shm "$b"
[[ "$summary" == "5 objects, 3 orphans, 2 reaped, 1 deferred" ]] || fail "summary: $summary"
pass "drop-ins apply in lexical order after the main file"
