#!/usr/bin/env bash
# `make test`: install what is missing, build everything, run every test under ctest.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
"$here/scripts/install-deps.sh"
"$here/scripts/build.sh"
cd "$here"
ctest --test-dir build/native --output-on-failure -j"${JOBS:-$(nproc)}"
