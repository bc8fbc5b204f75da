#!/usr/bin/env bash
# Assembles the browser side of dist/web next to what the wasm build wrote there (lantern-core,
# widget/): the embed launcher, the demo exchange page (as index.html) and the widget's service
# worker, stamped with a hash of the widget's files and the list of files to precache, so every
# build that changes the widget gets a new offline cache and the old one is dropped.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$here/dist/web}
mkdir -p "$out/demo" "$out/widget"
install -m 644 "$here/web/lantern.js" "$out/lantern.js"
install -m 644 "$here/web/demo/index.html" "$out/index.html"
install -m 644 "$here/web/demo/demo.js" "$here/web/demo/demo.css" "$out/demo/"

cd "$out/widget"
mapfile -t files < <(find . -type f ! -name sw.js ! -name '*.map' -printf '%P\n' | LC_ALL=C sort)
build=$( (printf '%s\n' "${files[@]}"; cat "${files[@]}" /dev/null) | sha256sum | cut -c1-12)
assets="'./'"
for f in "${files[@]}"; do assets+=", './$f'"; done
sed -e "s|^const BUILD = 'dev';.*|const BUILD = '$build';|" \
    -e "s|^const ASSETS = \[.*|const ASSETS = [$assets];|" "$here/web/widget/sw.js" > sw.js.tmp
mv sw.js.tmp sw.js
echo "web: $out (widget build $build, ${#files[@]} files precached)"
