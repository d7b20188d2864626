#!/bin/bash
# List's fields parameter: each object carries exactly the fields asked for (what lets
# ipcreapctl's table of 100,000 objects be read fast), the visibility rules stay, and an
# unknown field is refused with InvalidParameter naming "fields".
source "$(dirname "$0")/lib.sh"

policy <<'P'
[Daemon]
ScanIntervalSec=1h
[Rule all]
MinIdleSec=1h
P
create shm 0x7100 >/dev/null
create sem 0x7101 2 >/dev/null
start_daemon

reply=$("$PROBE" call "$SOCKET" '{"method":"io.ipcreap.Reaper.List","parameters":{"fields":"kind,state,pending"}}')
keys=$(jq -r '[.parameters.objects[] | keys | join(",")] | unique | join(" ")' <<<"$reply")
[ "$keys" = "kind,pending,state" ] || fail "fields kind,state,pending gave: $keys ($reply)"
[ "$(jq '.parameters.objects | length' <<<"$reply")" = 2 ] || fail "objects: $reply"

reply=$("$PROBE" call "$SOCKET" '{"method":"io.ipcreap.Reaper.List","parameters":{"fields":"kind,secret"}}')
jq -e '.error == "org.varlink.service.InvalidParameter" and .parameters.parameter == "fields"' \
        <<<"$reply" >/dev/null || fail "an unknown field: $reply"

# The table asks for its columns only, and shows them as before.
ctl list -o KIND,KEY,STATE --noheadings | grep -q "^shm .*0x00007100 .*idle" ||
        fail "the table: $(ctl list -o KIND,KEY,STATE)"
pass "List sends only the fields asked for; unknown ones are refused"
