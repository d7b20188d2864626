#!/bin/bash
# The quarantine's crash test of make check, 50 rounds of 500 orphans (ROUNDS to change).
export ROUNDS=${ROUNDS:-50}
exec bash "$(dirname "$0")/../integration/test-quarantine-kill-during-copies-loses-nothing.sh"
