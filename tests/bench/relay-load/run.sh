#!/bin/sh
# The relay's load benchmark (not a test): 64 concurrent wrk clients on loopback POST valid
# tickets, each with its own Idempotency-Key, against lantern-relay with its store on a real disk.
# Prints durably acknowledged tickets/s (201s, checked against the store's row count), p50/p99
# latency and the relay's peak RSS, beside the disk's fsync rate measured in the same run and the
# same server's no-op route (--bench-noop). Usage, after a native build:
#   tests/bench/relay-load/run.sh [BUILD_DIR=build/native] [SECONDS=15] [THREADS=64] [DIR=/var/tmp]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
build=${1:-$root/build/native}
secs=${2:-15}
relay_threads=${3:-64}
base=${4:-/var/tmp}
conns=64
work=$(mktemp -d "$base/lantern-relay-load.XXXXXX")
relay_pid=
cleanup() { [ -n "$relay_pid" ] && kill "$relay_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT INT TERM

"$build/kb-bundle/lantern-kb" build --input "$root/kb-bundle/content" --forms "$root/kb-bundle/forms" --out "$work/kb.bundle" >/dev/null 2>&1
# Rate limits out of the way: every request comes from 127.0.0.1.
cat > "$work/relay.json" <<JSON
{"threads": $relay_threads, "ticket_rate_per_ip": 1e6, "ticket_burst_per_ip": 1e6,
 "request_rate_per_ip": 1e6, "request_burst_per_ip": 1e6, "bench_noop": true}
JSON

# The disk's fsync rate, in the same folder: append 4 KiB and fsync, for 3 s.
fsyncs=$(python3 - "$work" <<'PY'
import os, sys, time
fd = os.open(os.path.join(sys.argv[1], 'fsync-probe'), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
block, n, t0 = b'x' * 4096, 0, time.monotonic()
while time.monotonic() - t0 < 3:
    os.write(fd, block); os.fsync(fd); n += 1
print(f'{n / (time.monotonic() - t0):.0f}')
PY
)

"$build/relay/lantern-relay" --listen 127.0.0.1:0 --data "$work/data" --bundle "$work/kb.bundle" --config "$work/relay.json" \
  > "$work/relay.log" 2>&1 &
relay_pid=$!
for _ in $(seq 50); do grep -q 'port [0-9]' "$work/relay.log" 2>/dev/null && break; sleep 0.1; done
port=$(sed -n 's/.*(port \([0-9]*\)).*/\1/p' "$work/relay.log")
[ -n "$port" ] || { cat "$work/relay.log"; exit 1; }
url="http://127.0.0.1:$port"

run_wrk() {  # path -> the RESULT line
  WRK_PATH=$1 wrk -t2 -c$conns -d${secs}s --latency -s "$here/tickets.lua" "$url$1" | sed -n 's/^RESULT //p'
}
tickets=$(run_wrk /v1/tickets)
hwm_kb=$(awk '/VmHWM/ {print $2}' /proc/$relay_pid/status)
stored=$(python3 -c "import sqlite3,sys; print(sqlite3.connect('file:' + sys.argv[1] + '?mode=ro', uri=True).execute('select count(*) from tickets').fetchone()[0])" "$work/data/relay.db")
noop=$(run_wrk /v1/bench/noop)

python3 - "$tickets" "$noop" "$fsyncs" "$hwm_kb" "$stored" "$relay_threads" "$(nproc)" <<'PY'
import json, sys
t, n = json.loads(sys.argv[1]), json.loads(sys.argv[2])
fsyncs, hwm_kb, stored, threads, cpus = float(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), sys.argv[6], sys.argv[7]
tps, nps = t['ok'] / t['seconds'], n['ok'] / n['seconds']
print(f"relay load: 64 connections (wrk -t2), {threads} relay threads, {cpus} CPUs, store on the disk of the work folder")
print(f"  tickets   {tps:8.0f} durable tickets/s  (201: {t['ok']}, other: {t['other']}, socket errors: {t['errors']}; "
      f"rows in the store: {stored})  p50 {t['p50_ms']:.2f} ms  p99 {t['p99_ms']:.2f} ms  max {t['max_ms']:.1f} ms")
print(f"  no-op     {nps:8.0f} requests/s        p50 {n['p50_ms']:.2f} ms  p99 {n['p99_ms']:.2f} ms")
print(f"  disk      {fsyncs:8.0f} fsyncs/s  ->  tickets/s is {tps / fsyncs:.1f}x the fsync rate; {tps / nps:.2f}x the no-op rate")
print(f"  memory    peak RSS of the relay (VmHWM) {hwm_kb / 1024:.1f} MB")
if stored < t['ok']:
    print(f"  ERROR: {t['ok']} tickets acknowledged but only {stored} in the store"); sys.exit(1)
PY
