#!/bin/bash
# contrib/prometheus/ipcreap.rules.yml: promtool (Debian's prometheus package) checks the
# rules and runs their unit tests (ipcreap.rules.test.yml), and every alert of the rules
# is expected to fire in at least one of those tests, with a summary and a description.
source "$(dirname "$0")/lib.sh"

RULES=$TOP/contrib/prometheus/ipcreap.rules.yml
RULE_TESTS=$TOP/contrib/prometheus/ipcreap.rules.test.yml
command -v promtool >/dev/null || fail "promtool is missing (Debian package prometheus; tests/deps.sh test)"

out=$(promtool check rules "$RULES" 2>&1) || fail "promtool check rules: $out"
grep -q "SUCCESS: 4 rules found" <<<"$out" || fail "promtool check rules: $out"
pass "promtool check rules: $(grep -o 'SUCCESS.*' <<<"$out")"

# Every alert has a severity, a summary and a description, and is tested firing.
alerts=$(awk '$1 == "-" && $2 == "alert:" { print $3 }' "$RULES")
[ "$(wc -l <<<"$alerts")" = 4 ] || fail "expected 4 alerts in $RULES: $alerts"
for a in $alerts; do
        block=$(awk -v a="$a" '$1 == "-" && $2 == "alert:" { on = ($3 == a) } on' "$RULES")
        for key in "severity:" "summary:" "description:"; do
                grep -q "^ *$key" <<<"$block" || fail "alert $a has no $key"
        done
        # An exp_alerts entry (a "- exp_labels:" line) under a test of this alert.
        awk -v a="$a" '$1 == "alertname:" { on = ($2 == a) } on && $1 == "-" && $2 == "exp_labels:" { f = 1 }
                END { exit !f }' "$RULE_TESTS" || fail "no unit test expects alert $a to fire"
done
pass "each of the 4 alerts ($(echo $alerts)) has a severity, summary and description and a test where it fires"

# promtool resolves rule_files relative to the test file.
out=$(promtool test rules "$RULE_TESTS" 2>&1) || fail "promtool test rules: $out"
grep -q SUCCESS <<<"$out" || fail "promtool test rules: $out"
pass "promtool test rules: every alert fires where it should, with its rendered text, and not next to it"
