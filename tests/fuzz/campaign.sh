#!/bin/sh
# A longer fuzzing campaign than ctest's fixed-seed runs: random seeds, several workers, every
# target (or those named) for SECONDS each. New inputs stay in build/fuzz-campaign/<target>/corpus;
# crashes are listed at the end with the command that reproduces each. Run after scripts/build.sh.
#   tests/fuzz/campaign.sh [SECONDS=300] [WORKERS=2] [target …]
set -u
here=$(cd "$(dirname "$0")/../.." && pwd)
seconds=${1:-300}
workers=${2:-2}
[ $# -gt 0 ] && shift
[ $# -gt 0 ] && shift
targets=${*:-"bundle query markdown ticket sentiment analytics image http_request"}
bin=$here/build/fuzz/tests/fuzz-clang
out=$here/build/fuzz-campaign
found=0
for t in $targets; do
  [ -x "$bin/fuzz_$t" ] || { echo "campaign: $bin/fuzz_$t is not built (scripts/build.sh)" >&2; exit 2; }
  mkdir -p "$out/$t/corpus"
  echo "campaign: $t for ${seconds} s with $workers workers"
  (cd "$out/$t" && "$bin/fuzz_$t" -max_total_time="$seconds" -timeout=15 -rss_limit_mb=2048 \
     -jobs="$workers" -workers="$workers" -artifact_prefix="$out/$t/" corpus "$here/tests/fuzz/corpus/$t" \
     > "$out/$t/log" 2>&1)
  for f in "$out/$t"/crash-* "$out/$t"/leak-* "$out/$t"/timeout-* "$out/$t"/oom-*; do
    [ -e "$f" ] || continue
    echo "campaign: $t found $f; reproduce: $bin/fuzz_$t $f"
    found=1
  done
done
exit $found
