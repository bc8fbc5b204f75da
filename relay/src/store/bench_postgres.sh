#!/bin/sh
# The PostgreSQL store beside pgbench on the same throw-away server, in one run: pgbench's
# built-in simple-update script (one small durable transaction each, the server's own measure
# of commits/s) and lantern-store-bench --store (durable tickets/s: a ticket, its event and its
# delivery per transaction). Both with the same client count, synchronous_commit=on, fsync on;
# then the same ticket load on the SQLite store, for scale.
#
#   relay/src/store/bench_postgres.sh [BUILD_DIR] [CLIENTS] [SECONDS]
set -eu
src=$(cd "$(dirname "$0")/../../.." && pwd)
build=${1:-$src/build/native}
clients=${2:-16}
secs=${3:-10}
bin=/usr/lib/postgresql/15/bin
state=$(mktemp -d /var/tmp/lantern-pgbench.XXXXXX)
trap 'sh "$src/tests/integration/pg_server.sh" stop "$state"; rm -rf "$state"' EXIT INT TERM
sh "$src/tests/integration/pg_server.sh" start "$state"
url=$(cat "$state/url")
base=${url%/postgres}
psql -X -q -d "$url" -c "CREATE DATABASE pgbench" -c "CREATE DATABASE lantern"
echo "== pgbench simple-update, $clients clients, ${secs}s (scale 10)"
"$bin/pgbench" -q -i -s 10 "$base/pgbench" >/dev/null 2>&1
"$bin/pgbench" -b simple-update -c "$clients" -j 2 -T "$secs" -n "$base/pgbench" 2>/dev/null | grep -E "^(tps|latency|number of transactions actually)"
# About as many tickets as pgbench's transactions take in the same time, at most 20,000.
tickets=$(( 1000 * secs / clients ))
echo "== lantern-store-bench --store, $clients threads x $tickets tickets"
"$build/relay/lantern-store-bench" --store "$base/lantern" --threads "$clients" --tickets "$tickets" --dir /var/tmp/lantern-store-bench-pg
echo "== the same load on the SQLite store (group commit), same disk"
"$build/relay/lantern-store-bench" --threads "$clients" --tickets "$tickets" --dir /var/tmp/lantern-store-bench-sqlite | grep -E "^(store|latency)"
