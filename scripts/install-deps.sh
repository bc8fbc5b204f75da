#!/usr/bin/env bash
# Installs everything the build, the tests and the demo need on a fresh Debian 12 machine.
# Idempotent; needs root. Only Debian's packages and the npm registry are used.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
third=$here/third_party/src
stamp=$here/third_party/.deps-v2

if [ "$(id -u)" != 0 ]; then
  # Nothing to do as a normal user once everything is there; otherwise apt-get needs root.
  done_all=1
  for m in "$stamp" "$third"/{imgui,snowball,mbedtls,civetweb}/.complete; do [ -f "$m" ] || done_all=0; done
  [ "$done_all" = 1 ] && exit 0
  if command -v sudo >/dev/null 2>&1; then exec sudo -E "$0" "$@"; fi
  echo "install-deps.sh: packages are missing and installing them needs root (run it with sudo)" >&2
  exit 1
fi

pkgs=(
  build-essential cmake pkg-config git python3 python3-fonttools ca-certificates
  emscripten node-acorn
  nlohmann-json3-dev libmbedtls-dev doctest-dev
  clang-14 libclang-rt-14-dev
  unicode-data dpkg-dev xz-utils python3-mnemonic
  libsqlite3-dev
  libspng-dev libjpeg62-turbo-dev libwebp-dev
  libglfw3-dev libgl-dev xvfb xauth xdotool fonts-wqy-microhei brotli
  chromium
  nginx-light wrk openssl
  postgresql libpq-dev
)

# Node.js: the machine's own (v20 with npm) where present, else Debian's.
command -v node >/dev/null 2>&1 || pkgs+=(nodejs)
command -v npm >/dev/null 2>&1 || pkgs+=(npm)

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# Source packages: Dear ImGui, Snowball (its English stemmer is compiled into sdk/ for native and
# WebAssembly alike).
src_list=/etc/apt/sources.list.d/lantern-bookworm-src.sources
if ! grep -rqs 'deb-src' /etc/apt/sources.list /etc/apt/sources.list.d/; then
  # deb822 with the same Signed-By as Debian's own entry, or apt refuses the conflicting option.
  cat > "$src_list" <<'SRC'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
  apt-get update -qq
fi

fetch_src() { # package -> third_party/src/<package>/ (the upstream tree, without Debian's patches)
  local name=$1 tmp
  [ -f "$third/$name/.complete" ] && return 0
  tmp=$(mktemp -d)
  (cd "$tmp" && apt-get source -qq --download-only "$name" 2>&1 | grep -v '^W: Download is performed unsandboxed' || true)
  ls "$tmp/$name"_*.orig.tar.* >/dev/null
  rm -rf "${third:?}/$name" && mkdir -p "$third/$name"
  tar xf "$tmp/$name"_*.orig.tar.* -C "$third/$name" --strip-components=1
  rm -rf "$tmp"
  touch "$third/$name/.complete"
}
fetch_src imgui
fetch_src snowball
fetch_src mbedtls   # its C source, for the WebAssembly build (natively Debian's libmbedtls-dev is used)
fetch_src civetweb  # built against mbedTLS for the relay's built-in HTTPS

# playwright-core and the tests' `node --test --test-concurrency` need Node.js 20.10 or later;
# Debian 12's own nodejs is 18, so say so here rather than fail obscurely in the browser tests.
node_v=$(node -p 'process.versions.node' 2>/dev/null || echo 0)
IFS=. read -r node_major node_minor _ <<<"$node_v"
if [ "$node_major" -lt 20 ] || { [ "$node_major" = 20 ] && [ "$node_minor" -lt 10 ]; }; then
  echo "install-deps: Node.js $node_v found; the browser and integration tests need Node.js 20.10 or later" >&2
  echo "install-deps: (Debian 12's nodejs package is 18; install Node.js 20 first, e.g. from NodeSource)" >&2
  exit 1
fi

touch "$stamp"
