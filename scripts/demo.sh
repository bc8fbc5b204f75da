#!/usr/bin/env bash
# `make demo`: set up, build, make a signed knowledge-base bundle and search it interactively.
# (It grows into the relay serving the widget on http://127.0.0.1:8080 as those parts land.)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
"$here/scripts/install-deps.sh"
"$here/scripts/build.sh"
cd "$here"
kb=build/native/kb-bundle/lantern-kb
mkdir -p .demo
[ -f .demo/demo.key ] || "$kb" keygen --out .demo/demo
"$kb" build --input kb-bundle/content --synonyms kb-bundle/synonyms.txt --sign-key .demo/demo.key --out .demo/kb.bundle
"$kb" verify --bundle .demo/kb.bundle --public-key .demo/demo.pub
exec "$kb" repl --bundle .demo/kb.bundle --public-key .demo/demo.pub ${LANG_FILTER:+--lang "$LANG_FILTER"}
