#!/usr/bin/env bash
# Runs every test of SelfService and does its own set-up: Chromium for the browser tests and PostgreSQL for the
# database tests (both from Debian, when missing), a private PostgreSQL server for this run (tests/postgresql.sh),
# client libraries (from libman.json, during the build), NuGet packages (restore). Ends with one line:
#   tests: N passed, N failed, N skipped (passed per database: SQLite N, PostgreSQL N, SQL Server N, other N)
# SQL Server runs too when SELFSERVICE_TEST_SQLSERVER holds a connection string.
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

# The private server is this checkout's own (its port and folder come from the checkout's path) and stops at the end.
if [ -z "${SELFSERVICE_TEST_POSTGRESQL:-}" ]; then
  pg=$(bash tests/postgresql.sh start) || { echo "tests: 0 passed, 1 failed, 0 skipped"; exit 1; }
  eval "$pg"
  trap 'bash tests/postgresql.sh stop' EXIT
fi
export SELFSERVICE_TEST_POSTGRESQL
# Test hosts never reload their settings and poll what they watch: a watcher each would exhaust the user's inotify
# instances (128 by default) when suites run side by side.
export DOTNET_hostBuilder__reloadConfigOnChange=false DOTNET_USE_POLLING_FILE_WATCHER=true

dotnet build SelfService.sln -c Debug -nologo -v quiet || { echo "tests: 0 passed, 1 failed, 0 skipped"; exit 1; }

log=$(mktemp)
results=$(mktemp -d)
dotnet test SelfService.sln --no-build -c Debug -nologo --logger "trx;LogFileName=results.trx" --results-directory "$results" "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}

read -r passed failed skipped < <(grep -E '^(Passed|Failed)!' "$log" | sed -E 's/.*Failed: *([0-9]+), Passed: *([0-9]+), Skipped: *([0-9]+).*/\2 \1 \3/' |
  awk '{p+=$1; f+=$2; s+=$3} END {print p+0, f+0, s+0}')
# Per database, by the sealed test class's name: Sqlite…, PostgreSql… and SqlServer… classes are one test class written
# once and run on each database; "other" is the rest (tests on the SQLite default only, and tests of no database).
read -r sqlite postgresql sqlserver other < <(cat "$results"/*.trx 2>/dev/null | grep -o '<UnitTestResult [^>]*outcome="Passed"' |
  sed -E 's/.*testName="([^"(]*).*/\1/' | awk -F. '{ c = $(NF-1) }
    c == "SqlServerScriptTests" { other++; next }  # T-SQL parsed, no server
    c ~ /^Sqlite/ { lite++; next } c ~ /^PostgreSql/ { pg++; next } c ~ /^SqlServer/ { ss++; next } { other++ }
    END { print lite+0, pg+0, ss+0, other+0 }')
rm -rf "$log" "$results"
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
echo "tests: $passed passed, $failed failed, $skipped skipped (passed per database: SQLite $sqlite, PostgreSQL $postgresql, SQL Server $sqlserver, other $other)"
exit "$status"
