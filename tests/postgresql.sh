#!/usr/bin/env bash
# A private PostgreSQL server for this checkout's test run, on loopback only.
#   bash tests/postgresql.sh start   starts it (installing PostgreSQL from Debian when missing) and prints
#                                    export SELFSERVICE_TEST_POSTGRESQL='...'
#   bash tests/postgresql.sh stop    stops it
# The data folder and the port are derived from the checkout's path, so several checkouts on one machine each get
# their own server and never share or stop another's. Starting again when it runs reuses it.
# Tuned for throwaway data: no fsync, and no autovacuum (its workers would stand in the way of dropping a test database).
set -uo pipefail
cd "$(dirname "$0")/.."

key=$(pwd -P | cksum | cut -d' ' -f1)
port=$((20000 + key % 10000))
dir="${SELFSERVICE_PG_DIR:-/tmp/selfservice-pg-$key}"
password=selfservice-test
connection="Host=127.0.0.1;Port=$port;Username=selfservice;Password=$password;Database=selfservice"

bin() { compgen -G '/usr/lib/postgresql/*/bin/initdb' | sort -V | tail -1 | xargs -r dirname; }

# As root the server runs as the postgres user (it refuses to run as root); otherwise as whoever runs this.
as_server() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

ready() { "$(bin)/pg_isready" -q -h 127.0.0.1 -p "$port"; }

start() {
  if [ -z "$(bin)" ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      echo "Installing PostgreSQL for the database tests (apt-get install postgresql)..." >&2
      (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null) || {
        echo "Could not install PostgreSQL. Install it with: sudo apt-get install postgresql" >&2; return 1; }
    else
      echo "The PostgreSQL tests need PostgreSQL. Install it with: sudo apt-get install postgresql" >&2
      return 1
    fi
  fi
  local b; b=$(bin)
  if ! ready; then
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres:postgres "$dir"
    if [ ! -f "$dir/data/PG_VERSION" ]; then
      as_server "$b/initdb" -D "$dir/data" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
        -E UTF8 --locale=C.UTF-8 -N >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; return 1; }
    fi
    # A server killed a moment ago can linger for a second or two and make a new start fail: retry.
    local attempt
    for attempt in 1 2 3 4 5; do
      as_server "$b/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
        -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c autovacuum=off -c max_connections=300" \
        start >/dev/null 2>&1 && break
      ready && break
      sleep 1
    done
    ready || { echo "PostgreSQL did not start; see $dir/server.log" >&2; tail -5 "$dir/server.log" >&2; return 1; }
  fi
  # The app's role owns its database and may create databases (the tests create one per test class); the reader role
  # has no rights at all, for the test of what start-up says then.
  as_server "$b/psql" -q -h "$dir" -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 >/dev/null <<SQL || return 1
select format('create role selfservice login createdb password %L', '$password')
 where not exists (select 1 from pg_roles where rolname = 'selfservice') \gexec
select 'create database selfservice owner selfservice'
 where not exists (select 1 from pg_database where datname = 'selfservice') \gexec
select format('create role selfservice_reader login password %L', '$password')
 where not exists (select 1 from pg_roles where rolname = 'selfservice_reader') \gexec
SQL
  echo "export SELFSERVICE_TEST_POSTGRESQL='$connection'"
}

stop() {
  local b; b=$(bin)
  [ -n "$b" ] && [ -f "$dir/data/PG_VERSION" ] && ready && as_server "$b/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1
  return 0
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
