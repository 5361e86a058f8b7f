#!/usr/bin/env bash
# Mutation testing of RaftOrleans: plants the bugs of scripts/mutations.py one at a time in a scratch copy of the
# repository, builds it (Release), runs the simulated suites and the explorer (and, reported apart, the unit tests),
# and prints for each bug whether it was caught, by which test and how fast. The last line is "N planted, K caught".
# See docs/mutation.md. Examples:
#   scripts/mutate.sh                              # every mutation, default selection, stops at the first failing test
#   scripts/mutate.sh --only figure8-rule-removed --first-seed 1 --seeds 2000
#   scripts/mutate.sh --check                      # every mutation still applies and the mutated tree builds
#   scripts/mutate.sh --list
# Exit status: 0 when the harness worked (whatever the score), 1 when --check found a mutation that does not apply or
# build, 2 or more when the harness itself failed.
set -euo pipefail
command -v python3 >/dev/null || { echo "mutate.sh needs python3" >&2; exit 2; }
exec python3 "$(dirname "$0")/mutate.py" "$@"
