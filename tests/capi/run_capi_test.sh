#!/bin/sh
# Runs the C ABI test program against real servers on loopback:
#   - lantern-relay (the real one) with a signed bundle built from kb-bundle/, on a free port
#   - `openssl s_server -WWW` with a throw-away certificate for "localhost", for the TLS client
# usage: run_capi_test.sh TEST_BINARY LANTERN_KB LANTERN_RELAY SOURCE_DIR
set -eu
test_bin=$1 kb=$2 relay=$3 src=$4
work=$(mktemp -d "${TMPDIR:-/tmp}/lantern-capi-XXXXXX")
relay_pid= tls_pid= relay_tls_pid=
cleanup() {
  [ -n "$relay_pid" ] && kill "$relay_pid" 2>/dev/null || true
  [ -n "$tls_pid" ] && kill "$tls_pid" 2>/dev/null || true
  [ -n "$relay_tls_pid" ] && kill "$relay_tls_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

# Bundles: signed (the shipped content and forms), unsigned, and a second key that did not sign.
"$kb" keygen --out "$work/k" >/dev/null
"$kb" keygen --out "$work/other" >/dev/null
"$kb" build --input "$src/kb-bundle/content" --forms "$src/kb-bundle/forms" --synonyms "$src/kb-bundle/synonyms.txt" \
  --sign-key "$work/k.key" --out "$work/kb.bundle" >/dev/null
"$kb" build --input "$src/kb-bundle/content" --out "$work/unsigned.bundle" >/dev/null

# A 1x1 PNG for the attachment upload.
python3 - "$work/pixel.png" <<'PY'
import struct, sys, zlib
def chunk(t, d): return struct.pack('>I', len(d)) + t + d + struct.pack('>I', zlib.crc32(t + d) & 0xffffffff)
png = b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', 1, 1, 8, 2, 0, 0, 0)) + \
      chunk(b'IDAT', zlib.compress(b'\x00\xff\x80\x00')) + chunk(b'IEND', b'')
open(sys.argv[1], 'wb').write(png)
PY

# The relay: generous rate limits (the test sends a burst), a free port printed on stdout.
echo '{"ticket_rate_per_ip":1000,"ticket_burst_per_ip":1000,"request_rate_per_ip":1000,"request_burst_per_ip":1000,"threads":4}' \
  > "$work/relay.json"
"$relay" --listen 127.0.0.1:0 --data "$work/data" --bundle "$work/kb.bundle" --config "$work/relay.json" \
  > "$work/relay.out" 2>&1 &
relay_pid=$!
port=
for _ in $(seq 1 100); do
  port=$(sed -n 's/.*(port \([0-9]*\)).*/\1/p' "$work/relay.out" | head -1)
  [ -n "$port" ] && break
  kill -0 "$relay_pid" 2>/dev/null || { cat "$work/relay.out"; echo "the relay did not start"; exit 1; }
  sleep 0.1
done
[ -n "$port" ] || { cat "$work/relay.out"; echo "the relay printed no port"; exit 1; }

# TLS: a self-signed certificate for DNS:localhost only (so https://127.0.0.1 must fail the
# hostname check), its SPKI pin, and files served by s_server -WWW under v1/tickets/.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=localhost \
  -addext subjectAltName=DNS:localhost -keyout "$work/tls.key" -out "$work/tls.crt" 2>/dev/null
pin=$(openssl x509 -in "$work/tls.crt" -pubkey -noout | openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | base64)
mkdir -p "$work/www/v1/tickets"
echo '{"id":"T-TLS","status":"open","messages":[]}' > "$work/www/v1/tickets/T-TLS"
head -c 2000000 /dev/zero | tr '\0' 'x' > "$work/www/v1/tickets/T-BIG"
tls_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
(cd "$work/www" && exec openssl s_server -quiet -WWW -accept "127.0.0.1:$tls_port" -cert "$work/tls.crt" -key "$work/tls.key" \
  </dev/null >"$work/tls.out" 2>&1) &
tls_pid=$!
for _ in $(seq 1 100); do
  python3 -c "import socket,sys; socket.create_connection(('127.0.0.1',$tls_port),1)" 2>/dev/null && break
  sleep 0.1
done

# The relay again, serving HTTPS itself with the same certificate (its built-in TLS), if it can.
tls_relay_url=
if "$relay" --help | grep -q -- --tls-cert; then
  "$relay" --listen 127.0.0.1:0 --data "$work/data-tls" --bundle "$work/kb.bundle" --config "$work/relay.json" \
    --tls-cert "$work/tls.crt" --tls-key "$work/tls.key" > "$work/relay-tls.out" 2>&1 &
  relay_tls_pid=$!
  for _ in $(seq 1 100); do
    p=$(sed -n 's/.*(port \([0-9]*\)).*/\1/p' "$work/relay-tls.out" | head -1)
    [ -n "$p" ] && { tls_relay_url="https://localhost:$p"; break; }
    kill -0 "$relay_tls_pid" 2>/dev/null || { cat "$work/relay-tls.out"; echo "the HTTPS relay did not start"; exit 1; }
    sleep 0.1
  done
fi

export LANTERN_TEST_RELAY_TLS="$tls_relay_url"
export LANTERN_TEST_DIR="$work" LANTERN_TEST_RELAY="http://127.0.0.1:$port" LANTERN_TEST_TLS_PORT="$tls_port" \
  LANTERN_TEST_TLS_PIN="sha256/$pin"
"$test_bin"
