#!/bin/bash
# Kind, Owner, Group, Key and MinSize select what a rule governs; objects no rule matches
# are kept as unmatched.
# Queues are judged by a walk of every thread; outside a private pid namespace a process
# this machine will not let even root read (its PID 1) would keep every queue, unjudged.
TEST_PID_NAMESPACE=1
source "$(dirname "$0")/lib.sh"

as_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }

# Kind: only semaphore sets.
policy <<'P'
[Rule sems]
Kind=sem
MinIdleSec=0
P
shm=$(create shm); sem=$(create sem); msg=$(create msg)
once >/dev/null
assert_exists shm "$shm" "Kind=sem"; assert_gone sem "$sem" "Kind=sem"; assert_exists msg "$msg"
ipcrm -m "$shm" -q "$msg"

# Owner by name and by range; Group by name.
policy <<'P'
[Rule nobodys]
Owner=nobody
MinIdleSec=0
[Rule nogroups]
Group=nogroup
Kind=msg
MinIdleSec=0
P
mine=$(create shm 0x2001)
theirs=$(as_nobody "$HELPER" shm-create 0x2002 4096)
their_queue=$(as_nobody "$HELPER" msg-create 0x2003)
root_queue=$(create msg 0x2004)
once >/dev/null
assert_exists shm "$mine" "root is not nobody"
assert_gone shm "$theirs" "Owner=nobody"
assert_gone msg "$their_queue" "owned by nobody, matched first rule"
assert_exists msg "$root_queue" "group root is not nogroup"
ipcrm -m "$mine" -q "$root_queue"

policy <<'P'
[Rule high-uids]
Owner=60000-65534
Group=nogroup
MinIdleSec=0
P
theirs=$(as_nobody "$HELPER" sem-create 0x2005 1)
mine=$(create sem 0x2006 1)
once >/dev/null
assert_gone sem "$theirs" "uid 65534 in 60000-65534"
assert_exists sem "$mine" "uid 0 not in the range"
ipcrm -s "$mine"

# Key ranges and private; MinSize.
policy <<'P'
[Rule app-keys]
Key=0x5000-0x50ff private
MinSize=1M
MinIdleSec=0
P
inside=$(create shm 0x5010 $((2 * 1024 * 1024)))
small=$(create shm 0x5011 4096)
outside=$(create shm 0x5100 $((2 * 1024 * 1024)))
private=$(create shm private $((1024 * 1024)))
once >/dev/null
assert_gone shm "$inside" "key in range, big enough"
assert_exists shm "$small" "below MinSize"
assert_exists shm "$outside" "key outside the range"
assert_gone shm "$private" "private key listed"
pass "Kind, Owner, Group, Key and MinSize filter"
