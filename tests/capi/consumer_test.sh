#!/bin/sh
# Installs the SDK component into a temporary prefix and builds apps from the installed tree only:
# with find_package(Lantern) (Lantern::lantern and Lantern::lantern_static) and with pkg-config.
# usage: consumer_test.sh NATIVE_BUILD_DIR CONSUMER_SOURCE_DIR C_COMPILER
set -eu
build=$1 consumer=$2 cc=$3
tmp=$(mktemp -d "${TMPDIR:-/tmp}/lantern-consumer-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix
cmake --install "$build" --component sdk --prefix "$prefix" >/dev/null
for f in include/lantern/lantern.h lib/liblantern.a lib/liblantern.so lib/cmake/Lantern/LanternConfig.cmake \
         lib/cmake/Lantern/LanternConfigVersion.cmake lib/pkgconfig/lantern.pc; do
  [ -e "$prefix/$f" ] || { echo "missing in the install: $f"; ls -R "$prefix"; exit 1; }
done
# Only the C ABI header is installed: apps cannot reach the C++ core by accident.
[ "$(ls "$prefix/include/lantern")" = "lantern.h" ] || { echo "extra headers installed"; exit 1; }

cmake -S "$consumer" -B "$tmp/build" -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_C_COMPILER="$cc" >/dev/null
cmake --build "$tmp/build" >/dev/null
"$tmp/build/app_shared" | grep -q '^ok$'
"$tmp/build/app_static" | grep -q '^ok$'
# The static app carries no dependency on liblantern.so; the shared one does.
if ldd "$tmp/build/app_static" | grep -q liblantern; then echo "app_static links liblantern.so"; exit 1; fi
ldd "$tmp/build/app_shared" | grep -q 'liblantern.so.0 '

export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
[ "$(pkg-config --modversion lantern)" = "0.1.0" ]
# shellcheck disable=SC2046
"$cc" -std=c99 -Wall -Werror -o "$tmp/app_pc" "$consumer/main.c" $(pkg-config --cflags --libs lantern) -Wl,-rpath,"$prefix/lib"
"$tmp/app_pc" | grep -q '^ok$'
# shellcheck disable=SC2046
"$cc" -std=c99 -Wall -Werror -o "$tmp/app_pc_static" "$consumer/main.c" $(pkg-config --cflags lantern) \
  "$prefix/lib/liblantern.a" $(pkg-config --static --libs-only-l lantern | sed 's/-llantern//')
"$tmp/app_pc_static" | grep -q '^ok$'
echo "ok: find_package(Lantern) shared + static, pkg-config shared + static"
