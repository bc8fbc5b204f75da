#!/bin/sh
# SDK figures for docs/BENCHMARKS.md: library sizes (stripped) beside SQLite and zstd on the same
# machine, a small app linked statically, and open time + RSS for the shipped bundle.
# usage: tests/capi/bench_sdk.sh [BUILD_DIR]   (after building lantern, lantern_static, lantern-kb)
set -eu
here=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$here/build/native}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
size() { stat -c %s "$1"; }
kib() { echo "$(( $(size "$1") / 1024 )) KiB"; }
strip -o "$tmp/liblantern.so" "$build/sdk/lib/liblantern.so.0.1.0"
echo "liblantern.so (stripped)        $(kib "$tmp/liblantern.so")"
echo "liblantern.a                    $(kib "$build/sdk/lib/liblantern.a")"
lib=/usr/lib/x86_64-linux-gnu
for peer in libsqlite3.so.0 libzstd.so.1 libmbedtls.so.14 libmbedx509.so.1 libmbedcrypto.so.7; do
  f=$(readlink -f "$lib/$peer")
  strip -o "$tmp/peer" "$f"
  echo "$peer (stripped, Debian)  $(kib "$tmp/peer")"
done
app=$here/tests/capi/consumer/main.c
inc=$here/sdk/include
cc -std=c99 -O2 -I"$inc" -o "$tmp/app_static" "$app" "$build/sdk/lib/liblantern.a" -lmbedtls -lmbedx509 -lmbedcrypto -lstdc++ -lm -lpthread -Wl,--gc-sections
strip "$tmp/app_static"
cc -std=c99 -O2 -I"$inc" -o "$tmp/app_shared" "$app" -L"$build/sdk/lib" -llantern -Wl,-rpath,"$build/sdk/lib"
strip "$tmp/app_shared"
echo "small app, static liblantern    $(kib "$tmp/app_static") (mbedTLS and libstdc++ still shared)"
echo "small app, shared liblantern    $(kib "$tmp/app_shared")"

kb=$build/kb-bundle/lantern-kb
"$kb" keygen --out "$tmp/k" >/dev/null
"$kb" build --input "$here/kb-bundle/content" --forms "$here/kb-bundle/forms" --synonyms "$here/kb-bundle/synonyms.txt" \
  --strings "$here/kb-bundle/strings" --sign-key "$tmp/k.key" --out "$tmp/kb.bundle" >/dev/null
echo "shipped bundle                  $(kib "$tmp/kb.bundle")"
"$tmp/app_shared" > "$tmp/base.txt"
for i in 1 2 3 4 5 6 7 8 9 10 11; do
  "$tmp/app_static" "$tmp/kb.bundle" "$tmp/k.pub" | sed -n 's/^open_ms //p'
done | sort -n > "$tmp/open.txt"
echo "open + verify signature (median of 11)  $(sed -n 6p "$tmp/open.txt") ms  (min $(head -1 "$tmp/open.txt"), max $(tail -1 "$tmp/open.txt"))"
"$tmp/app_static" "$tmp/kb.bundle" "$tmp/k.pub" | grep rss
