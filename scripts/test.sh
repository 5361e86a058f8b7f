#!/usr/bin/env bash
# Runs every test of RaftOrleans on a fresh machine: installs what the tests need (Azurite through npm, Debian's
# chromium for the browser test of the /raft page),
# builds, runs the xunit suite, and ends with one line "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."

if [ -f package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error || { echo "npm ci failed"; echo "0 passed, 1 failed"; exit 1; }
fi

# Playwright drives this Chromium (it downloads no browser). Installed only when missing; a failed install does not
# stop the run: the browser test then fails and says why.
if ! command -v chromium >/dev/null 2>&1; then
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } \
    || echo "warning: could not install chromium (apt-get install chromium); the browser test will fail"
fi

dotnet build RaftOrleans.sln -c Release -nologo -v quiet || { echo "build failed"; echo "0 passed, 1 failed"; exit 1; }

# Tests marked [Trait("Category", "KnownFlaky")] are being fixed (see the issue notes); RAFT_TEST_ALL=1 runs them too.
filter=()
if [ "${RAFT_TEST_ALL:-0}" != "1" ]; then
  filter=(--filter "Category!=KnownFlaky")
fi

# Tests marked [Trait("Isolation", "OwnProcess")] start Orleans silos that are meant to fail part-way; such a silo leaves
# a loop spinning in its process (docs/raft-tests.md, "What starved the test process"), so they run in a test process
# of their own, after the rest.
shared=(--filter "${filter[1]:+${filter[1]}&}Isolation!=OwnProcess")
own=(--filter "${filter[1]:+${filter[1]}&}Isolation=OwnProcess")

log=$(mktemp)
dotnet test RaftOrleans.sln -c Release --no-build -nologo --logger "console;verbosity=normal" "${shared[@]}" "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
dotnet test RaftOrleans.sln -c Release --no-build -nologo --logger "console;verbosity=normal" "${own[@]}" "$@" 2>&1 | tee -a "$log"
own_status=${PIPESTATUS[0]}
if [ "$status" -eq 0 ]; then
  status=$own_status
fi

# dotnet test sums up each test assembly. At minimal verbosity that is one line,
#   "Passed!  - Failed:     0, Passed:    12, Skipped: 0, Total: 12, Duration: ..." (or "Failed!  - ...");
# at normal verbosity (the logger above) a block: "Total tests: 12", "     Passed: 12", "     Failed: 0" (when any).
summaries=$(grep -E '^(Passed|Failed)! +- ' "$log")
if [ -n "$summaries" ]; then
  passed=$(printf '%s\n' "$summaries" | grep -Eo 'Passed: +[0-9]+,' | awk '{ n += $2 } END { print n + 0 }')
  failed=$(printf '%s\n' "$summaries" | grep -Eo 'Failed: +[0-9]+,' | awk '{ n += $2 } END { print n + 0 }')
else
  passed=$(grep -E '^[[:space:]]+Passed: +[0-9]+[[:space:]]*$' "$log" | awk '{ n += $2 } END { print n + 0 }')
  failed=$(grep -E '^[[:space:]]+Failed: +[0-9]+[[:space:]]*$' "$log" | awk '{ n += $2 } END { print n + 0 }')
fi
passed=${passed:-0}
failed=${failed:-0}
# CI shows the end of this output: repeat each failed test with the first lines of its error, so a failure is
# diagnosable from the tail alone.
if grep -qE '^  Failed ' "$log"; then
  echo "---- failed tests ----"
  # (the console logger prints a failure twice: when it happens and again in its summary)
  awk '/^  Failed / { n = seen[$2]++ ? 0 : 40; if (n) print; next } /^  Passed / { n = 0 } n > 0 { print; n-- }' "$log" | cut -c1-400
  echo "----------------------"
fi
echo "---- slowest tests ----"
# The console logger ends each result line with its duration: "[12 ms]", "[3 s]", "[1 m 32 s]".
grep -E '^  (Passed|Failed) .*\[[0-9 ms<]+\]$' "$log" \
  | awk '{ match($0, /\[[^]]*\]$/); d = substr($0, RSTART + 1, RLENGTH - 2); n = split(d, p, " "); v = 0
           for (i = 1; i < n; i += 2) { v += (p[i+1] == "m" ? 60 : p[i+1] == "s" ? 1 : 0.001) * p[i] }
           printf "%7.1f s  %s %s\n", v, $1, $2 }' \
  | sort -rn | head -12
echo "-----------------------"
rm -f "$log"
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  failed=1
fi
echo "${passed} passed, ${failed} failed"
exit "$status"
