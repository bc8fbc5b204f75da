#!/usr/bin/env bash
# The relay's options cannot drift from their documentation: every key the config parser accepts
# (the `k == "…"` branches in relay/src/*.cpp) must have a row in docs/RELAY.md's options table
# and be named by `lantern-relay --help`; every row must name a key the relay accepts; and the
# built relay must really accept each key (a wrong-typed value is refused by name, not as an
# unknown option). Usage: relay_options_test.sh LANTERN_RELAY SOURCE_DIR
set -euo pipefail
relay=$1
src=$2
doc=$src/docs/RELAY.md
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
problem() { echo "FAIL: $*"; fail=1; }

# 1. What the parser accepts (load_config, load_agent_option, load_analytics_option).
grep -ho '\bk == "[a-z_0-9]*"' "$src"/relay/src/*.cpp | sed 's/.*"\(.*\)"/\1/' | sort -u > "$tmp/parser"
n=$(wc -l < "$tmp/parser")
[ "$n" -ge 40 ] || problem "found only $n option keys in relay/src/*.cpp: has the parser changed shape? (this test greps 'k == \"…\"')"

# 2. The rows of the options table: the first column's `names`, from "## Options" to the next "## ".
awk '/^## Options/{on=1; next} /^## /{on=0} on && /^\| `/' "$doc" | cut -d'|' -f2 | grep -o '`[a-z_0-9]*`' | tr -d '`' | sort -u > "$tmp/doc"
[ -s "$tmp/doc" ] || problem "no options table found under '## Options' in docs/RELAY.md"

# 3. --help.
"$relay" --help > "$tmp/help"

while read -r k; do
  grep -qx "$k" "$tmp/doc" || problem "option '$k' is accepted by the relay but has no row in docs/RELAY.md's options table"
  grep -qw -- "$k" "$tmp/help" || problem "option '$k' is accepted by the relay but not named by lantern-relay --help"
  # The built relay knows it: an object is the wrong type for every option, so the error names the key.
  printf '{"%s": {"wrong": "type"}}' "$k" > "$tmp/c.json"
  if out=$("$relay" --config "$tmp/c.json" 2>&1); then problem "'$k': a wrong-typed value was accepted"; fi
  case "$out" in
    *"unknown option"*) problem "'$k' is in the source but the built relay calls it unknown: $out" ;;
    *"'$k'"*|*"$k:"*) ;;
    *) problem "'$k': the error does not name the option: $out" ;;
  esac
done < "$tmp/parser"

while read -r k; do
  grep -qx "$k" "$tmp/parser" || problem "docs/RELAY.md documents option '$k', which the relay's config parser does not accept"
done < "$tmp/doc"

# 4. The checks above can fail: an unknown key is refused by name.
printf '{"no_such_option": 1}' > "$tmp/c.json"
out=$("$relay" --config "$tmp/c.json" 2>&1) && problem "an unknown option was accepted"
case "$out" in *"unknown option 'no_such_option'"*) ;; *) problem "an unknown option is not named: $out" ;; esac

# 5. Ranges are printed as the integers they are.
printf '{"threads": 2}' > "$tmp/c.json"
out=$("$relay" --config "$tmp/c.json" 2>&1) && problem "threads 2 was accepted (range 4-1024)"
case "$out" in *"'threads' must be a number from 4 to 1024"*) ;; *) problem "range error not in integers: $out" ;; esac
printf '{"ticket_burst_per_user": 0}' > "$tmp/c.json"
out=$("$relay" --config "$tmp/c.json" 2>&1) && problem "ticket_burst_per_user 0 was accepted (range 1-1000000)"
case "$out" in *"from 1 to 1000000"*) ;; *) problem "range error not in integers: $out" ;; esac

[ "$fail" = 0 ] && echo "ok: $n options: parser, docs/RELAY.md and --help agree"
exit "$fail"
