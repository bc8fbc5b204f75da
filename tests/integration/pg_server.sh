#!/bin/sh
# A throw-away PostgreSQL 15 server on loopback for the store's tests and benchmark (Debian's
# postgresql package). PostgreSQL refuses to run as root, so as root the server runs as the
# `postgres` user, in a temporary folder that user owns.
#
#   pg_server.sh start STATE   initdb + start on 127.0.0.1 at a free port (fsync on); writes
#                              STATE/url (postgresql://postgres@127.0.0.1:PORT/postgres) and STATE/dir
#   pg_server.sh stop STATE    stops the server (fast, then SIGKILL) and removes its folder
#   pg_server.sh run STATE CMD...  runs CMD with LANTERN_PG_URL set from STATE/url
set -eu
BIN=${LANTERN_PG_BIN:-/usr/lib/postgresql/15/bin}
cmd=${1:?usage: pg_server.sh start|stop|run STATE [CMD...]}
state=${2:?usage: pg_server.sh start|stop|run STATE [CMD...]}

as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

stop() {
  [ -f "$state/dir" ] || return 0
  dir=$(cat "$state/dir")
  if [ -f "$dir/data/postmaster.pid" ]; then
    as_pg "$BIN/pg_ctl" -D "$dir/data" -m fast -w -t 20 stop >/dev/null 2>&1 || true
    if [ -f "$dir/data/postmaster.pid" ]; then
      pid=$(head -1 "$dir/data/postmaster.pid")
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  rm -rf "$dir"
  rm -f "$state/dir" "$state/url"
}

case "$cmd" in
start)
  [ -x "$BIN/initdb" ] || { echo "pg_server.sh: no PostgreSQL 15 in $BIN (apt-get install postgresql)" >&2; exit 1; }
  mkdir -p "$state"
  stop
  dir=$(mktemp -d /tmp/lantern-pg.XXXXXX)
  echo "$dir" >"$state/dir"
  mkdir -p "$dir/sock"
  [ "$(id -u)" = 0 ] && chown -R postgres "$dir"
  chmod 700 "$dir"
  as_pg "$BIN/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
    { cat "$dir/initdb.log" >&2; exit 1; }
  for attempt in 1 2 3; do
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    if as_pg "$BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -p $port -k $dir/sock -c fsync=on -c synchronous_commit=on -c max_connections=200" \
      start >/dev/null; then
      echo "postgresql://postgres@127.0.0.1:$port/postgres" >"$state/url"
      echo "pg_server.sh: PostgreSQL on 127.0.0.1:$port (data in $dir)"
      exit 0
    fi
    tail -5 "$dir/server.log" >&2 || true
  done
  echo "pg_server.sh: the server did not start (log: $dir/server.log)" >&2
  exit 1
  ;;
stop)
  stop
  ;;
run)
  shift 2
  [ -f "$state/url" ] || { echo "pg_server.sh: no server in $state (the fixture did not start one)" >&2; exit 1; }
  LANTERN_PG_URL=$(cat "$state/url")
  export LANTERN_PG_URL
  exec "$@"
  ;;
*)
  echo "pg_server.sh: unknown command $cmd" >&2
  exit 2
  ;;
esac
