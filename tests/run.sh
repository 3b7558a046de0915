#!/usr/bin/env bash
# Runs every test of SelfService and does its own set-up: Chromium for the browser tests (from Debian),
# client libraries (from libman.json, during the build), NuGet packages (restore). Ends with one line:
#   tests: N passed, N failed, N skipped
set -uo pipefail
cd "$(dirname "$0")/.."

if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "Installing Chromium for the browser tests (apt-get install chromium)..."
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) || {
      echo "Could not install Chromium. Install it with: sudo apt-get install chromium" >&2; exit 1; }
  else
    echo "The browser tests need Chromium at /usr/bin/chromium. Install it with: sudo apt-get install chromium" >&2
    exit 1
  fi
fi

dotnet build SelfService.sln -c Debug -nologo -v quiet || { echo "tests: 0 passed, 1 failed, 0 skipped"; exit 1; }

log=$(mktemp)
dotnet test SelfService.sln --no-build -c Debug -nologo "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}

read -r passed failed skipped < <(grep -E '^(Passed|Failed)!' "$log" | sed -E 's/.*Failed: *([0-9]+), Passed: *([0-9]+), Skipped: *([0-9]+).*/\2 \1 \3/' |
  awk '{p+=$1; f+=$2; s+=$3} END {print p+0, f+0, s+0}')
rm -f "$log"
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
echo "tests: $passed passed, $failed failed, $skipped skipped"
exit "$status"
