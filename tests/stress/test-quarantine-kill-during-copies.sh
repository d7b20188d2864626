#!/bin/bash
# The quarantine's crash test of make check, 100 rounds of 500 orphans (ROUNDS to change).
export ROUNDS=${ROUNDS:-100}
exec bash "$(dirname "$0")/../integration/test-quarantine-kill-during-copies-loses-nothing.sh"
