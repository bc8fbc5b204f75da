#!/usr/bin/env bash
# Builds everything: native (build/native), WebAssembly (build/wasm -> dist/web/) and the libFuzzer
# and sanitizer targets (build/fuzz, clang-14).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
jobs=${JOBS:-$(nproc)}

export NODE_PATH=/usr/share/nodejs   # emscripten's optimizer needs Debian's acorn

# The relay's report page embeds Chart.js, vendored from the npm registry (never a CDN).
[ -f relay/report/node_modules/chart.js/dist/chart.umd.min.js ] || (cd relay/report && npm ci --no-audit --no-fund)

cmake -S . -B build/native -DCMAKE_BUILD_TYPE=Release -DLANTERN_FUZZ_BUILD_DIR="$here/build/fuzz" \
  -DLANTERN_TSAN_BUILD_DIR="$here/build/tsan" -DLANTERN_REQUIRE_ALL=ON >/dev/null
cmake --build build/native -j"$jobs"

# The relay's unit tests under ThreadSanitizer (gcc), run by ctest as "tsan: ..." (docs/RELAY.md,
# "Checking for data races"): only that binary and what it links, about 7 CPU-minutes.
if [ ! -f build/tsan/CMakeCache.txt ]; then
  cmake -S . -B build/tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_FLAGS=-fsanitize=thread -DCMAKE_CXX_FLAGS=-fsanitize=thread \
    -DCMAKE_EXE_LINKER_FLAGS=-fsanitize=thread -DCMAKE_SHARED_LINKER_FLAGS=-fsanitize=thread >/dev/null
fi
cmake --build build/tsan --target lantern_relay_unit_tests -j"$jobs"

if [ ! -f build/wasm/CMakeCache.txt ]; then
  emcmake cmake -S . -B build/wasm -DCMAKE_BUILD_TYPE=Release -DLANTERN_TESTS=OFF \
    -DCMAKE_CROSSCOMPILING_EMULATOR="/usr/bin/node;--no-experimental-fetch" >/dev/null
fi
cmake --build build/wasm -j"$jobs"
"$here/scripts/assemble-web.sh"   # launcher, demo page and service worker into dist/web

if ! command -v clang++-14 >/dev/null 2>&1; then
  echo "build.sh: clang++-14 not found; the fuzz targets and sanitizer builds need it (scripts/install-deps.sh)" >&2
  exit 1
fi
if [ ! -f build/fuzz/CMakeCache.txt ]; then
  CC=clang-14 CXX=clang++-14 cmake -S . -B build/fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DLANTERN_FUZZ=ON -DLANTERN_TESTS=OFF >/dev/null
fi
cmake --build build/fuzz -j"$jobs"
