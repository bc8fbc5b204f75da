#!/bin/sh
# One bounded libFuzzer run for ctest: a fixed seed and a fixed number of inputs from an empty
# work corpus plus the committed seeds, so a CI failure is the same failure on any machine
# (bar the relay's own threads in http_request). Exploration with random seeds and hours of
# inputs is tests/fuzz/campaign.sh.
#   run_libfuzzer.sh BINARY RUNS TIMEOUT_S SEEDS_DIR WORK_DIR
set -eu
bin=$1 runs=$2 timeout=$3 seeds=$4 work=$5
rm -rf "$work"
mkdir -p "$work/corpus"
status=0
"$bin" -seed=1 -runs="$runs" -max_total_time=90 -timeout="$timeout" -rss_limit_mb=2048 \
  -artifact_prefix="$work/" "$work/corpus" "$seeds" || status=$?
if [ "$status" -ne 0 ]; then
  for f in "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-*; do
    [ -e "$f" ] && echo "reproduce: $bin $f" >&2
  done
fi
exit "$status"
