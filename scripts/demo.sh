#!/usr/bin/env bash
# `make demo`: set up, build, sign the knowledge base, and serve the demo exchange page with the
# widget and the relay on http://127.0.0.1:8080 (PORT=… to change it).
# LANTERN_DEMO_DIR (default .demo) and LANTERN_DEMO_BUILT=1 (skip install and build) are for the
# demo's own test (tests/cli/demo_test.sh), which runs this script against the tree make test built.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
if [ "${LANTERN_DEMO_BUILT:-0}" != 1 ]; then
  "$here/scripts/install-deps.sh"
  "$here/scripts/build.sh"
fi
cd "$here"
demo=${LANTERN_DEMO_DIR:-.demo}
kb=build/native/kb-bundle/lantern-kb
relay=build/native/relay/lantern-relay
mkdir -p "$demo"
[ -f "$demo"/demo.key ] || "$kb" keygen --out "$demo"/demo
"$kb" build --input kb-bundle/content --forms kb-bundle/forms --synonyms kb-bundle/synonyms.txt \
  --strings kb-bundle/strings --sign-key "$demo"/demo.key --out "$demo"/kb.bundle
"$kb" verify --bundle "$demo"/kb.bundle --public-key "$demo"/demo.pub

# The exchange's backend would sign its user's id; here a secret made once stands in for it, so the
# relay marks the demo user's tickets as verified (docs/RELAY_API.md, identity).
[ -f "$demo"/identity.secret ] || (umask 077; openssl rand -hex 32 > "$demo"/identity.secret)
secret=$(cat "$demo"/identity.secret)
user=u_demo_1024
hash=$(printf '%s' "$user" | openssl dgst -sha256 -hmac "$secret" -r | cut -d' ' -f1)
printf '{"identity_secret":"%s"}\n' "$secret" > "$demo"/relay.json

# The web root: dist/web (launcher, widget, demo page) plus this demo's bundle, key and user.
rm -rf "$demo"/web
cp -r dist/web "$demo"/web
cp "$demo"/kb.bundle "$demo"/demo.pub "$demo"/web/
printf '{"userId":"%s","userHash":"%s"}\n' "$user" "$hash" > "$demo"/web/demo-user.json

port=${PORT:-8080}
echo "demo: open http://127.0.0.1:$port/ (Ctrl+C stops; tickets are stored in $demo/data)"
exec "$relay" --listen "127.0.0.1:$port" --data "$demo"/data --web "$demo"/web --bundle "$demo"/kb.bundle \
  --public-key "$demo"/demo.pub --config "$demo"/relay.json
