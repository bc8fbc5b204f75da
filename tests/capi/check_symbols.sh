#!/bin/sh
# liblantern.so's dynamic symbol table holds exactly the functions lantern.h declares: nothing of
# the C++ core, mbedTLS or the C++ runtime leaks out, and nothing declared is missing.
# usage: check_symbols.sh LIBLANTERN_SO LANTERN_H
set -eu
lib=$1 header=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Defined symbols, minus the version node (type A, e.g. LANTERN_0).
nm -D --defined-only "$lib" | awk '$2 != "A" { print $3 }' | sed 's/@.*//' | sort -u > "$tmp/exported"
grep -o 'LANTERN_API [^(]*(' "$header" | sed 's/.*[ *]\(lantern_[a-z0-9_]*\)($/\1/' | grep '^lantern_' | sort -u > "$tmp/declared"
status=0
if grep -v '^lantern_' "$tmp/exported" > "$tmp/foreign"; then
  echo "exported symbols without the lantern_ prefix:"; cat "$tmp/foreign"; status=1
fi
if ! diff -u "$tmp/declared" "$tmp/exported" > "$tmp/diff"; then
  echo "lantern.h (-) and the library (+) disagree:"; cat "$tmp/diff"; status=1
fi
[ "$status" = 0 ] && echo "ok: $(wc -l < "$tmp/exported") symbols, all declared in lantern.h, all lantern_*"
exit $status
