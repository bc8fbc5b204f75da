#!/usr/bin/env bash
# `make demo` after `make test`: scripts/demo.sh (install and build skipped, its own folder and a
# free port) signs the bundle, serves the demo exchange page, the launcher, the widget and the
# bundle from the relay, with a demo user whose hash the relay's identity secret verifies.
set -euo pipefail
src=$1
work=$(mktemp -d)
pid=
cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "demo: $*" >&2; [ -f "$work/demo.log" ] && sed 's/^/  demo.log: /' "$work/demo.log" >&2; exit 1; }

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
(cd "$src" && LANTERN_DEMO_BUILT=1 LANTERN_DEMO_DIR="$work/demo" PORT=$port exec scripts/demo.sh) > "$work/demo.log" 2>&1 &
pid=$!
base=http://127.0.0.1:$port
for _ in $(seq 300); do
  curl -sf "$base/healthz" > /dev/null 2>&1 && break
  kill -0 "$pid" 2>/dev/null || fail "scripts/demo.sh exited before the relay answered"
  sleep 0.2
done
curl -sf "$base/healthz" > /dev/null || fail "no answer on $base/healthz within 60 s"
grep -q "demo: open http://127.0.0.1:$port/" "$work/demo.log" || fail "the script does not say where to open the demo"

get() { curl -sS -o "$work/$2" -w '%{http_code} %{content_type}\n' "$base$1"; }
read -r code type < <(get / page.html)
[ "$code" = 200 ] || fail "/ answered $code"
grep -q 'Lantern Exchange' "$work/page.html" || fail "/ is not the demo exchange page"
grep -Eq 'src="/?lantern.js"' "$work/page.html" || fail "the demo page does not embed lantern.js"
for f in /lantern.js /widget/index.html /widget/bridge.js /widget/lantern-widget.js /widget/lantern-widget.wasm /widget/ui.ttf /demo.pub; do
  read -r code type < <(get "$f" file)
  [ "$code" = 200 ] && [ -s "$work/file" ] || fail "$f answered $code"
done
read -r code type < <(get /kb.bundle kb.bundle)
[ "$code" = 200 ] || fail "/kb.bundle answered $code"
cmp -s "$work/kb.bundle" "$work/demo/kb.bundle" || fail "/kb.bundle is not the bundle the script signed"
"$src/build/native/kb-bundle/lantern-kb" verify --bundle "$work/kb.bundle" --public-key "$work/demo/demo.pub" > /dev/null ||
  fail "the served bundle does not verify with the served key"

# The demo user: the page identifies it with a hash made from the relay's identity secret.
read -r code type < <(get /demo-user.json user.json)
[ "$code" = 200 ] || fail "/demo-user.json answered $code"
user=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["userId"])' "$work/user.json")
hash=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["userHash"])' "$work/user.json")
secret=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["identity_secret"])' "$work/demo/relay.json")
[ "$(stat -c %a "$work/demo/identity.secret")" = 600 ] || fail "the identity secret is readable by others"
want=$(printf '%s' "$user" | openssl dgst -sha256 -hmac "$secret" -r | cut -d' ' -f1)
[ "$hash" = "$want" ] || fail "the demo user's hash is not the HMAC of its id under the relay's secret"

# Nothing outside the web root, and the store is the embedded SQLite one in the demo folder.
read -r code type < <(curl -sS --path-as-is -o "$work/escape" -w '%{http_code} %{content_type}\n' "$base/../relay.json")
[ "$code" != 200 ] || ! grep -q identity_secret "$work/escape" || fail "the relay served a file outside --web"
ls "$work/demo/data"/*.db > /dev/null 2>&1 || ls "$work/demo/data"/*.sqlite* > /dev/null 2>&1 || fail "no SQLite store in the demo's data folder: $(ls "$work/demo/data")"
echo "demo: page, launcher, widget, signed bundle and verified demo user served on $base"
