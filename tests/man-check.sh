#!/bin/sh
# Checks the man pages: groff must render them without a single warning.
set -eu
status=0
for page in "$@"; do
        warnings=$(LC_ALL=C.UTF-8 MANROFFSEQ='' MANWIDTH=80 \
                   man --warnings=w -E UTF-8 -l -Tutf8 -Z "$page" 2>&1 >/dev/null || true)
        if [ -n "$warnings" ]; then
                echo "$page:" >&2
                printf '%s\n' "$warnings" >&2
                status=1
        else
                echo "$page: ok"
        fi
done
exit $status
