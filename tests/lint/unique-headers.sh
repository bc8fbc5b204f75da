#!/usr/bin/env bash
# The unit tests see every module's include folder at once, so a header name found in two of them
# is resolved by folder order and a test can silently compile against the wrong module's header
# (a clean CI build once picked widget/src/analytics.h for the relay's test). Names must be unique.
set -euo pipefail
root=$1
dirs=(sdk/include sdk/src kb-bundle/tool widget/src relay/src relay/include)
dups=$(cd "$root" && for d in "${dirs[@]}"; do
  [ -d "$d" ] && find "$d" -maxdepth 1 -name '*.h' -printf '%f\n'
done | sort | uniq -d)
if [ -n "$dups" ]; then
  echo "header names found in more than one include folder (${dirs[*]}):" >&2
  for h in $dups; do (cd "$root" && ls -1 "${dirs[@]/%//$h}" 2>/dev/null || true) >&2; done
  exit 1
fi
echo "unique header names across ${#dirs[@]} include folders"
