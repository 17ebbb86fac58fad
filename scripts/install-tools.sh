#!/usr/bin/env bash
# Installs the pinned build and test tools, idempotently.
#
# Cargo-built tools go into a per-user cache keyed by version
# ($PORTAL112_TOOLS, default ~/.cache/portal112/tools) so fresh clones and CI
# runs reuse them; a tool already present at the pinned version costs nothing.
#
# usage: scripts/install-tools.sh [build|test|all]
#   build: what `make run` needs (wasm target, trunk, wasm-bindgen, wasm-opt, npm deps)
#   test:  build + Chromium and chromedriver for the browser tests
set -euo pipefail

TRUNK_VERSION=0.21.14
WASM_BINDGEN_VERSION=0.2.130
WASM_OPT_VERSION=0.116.1

what="${1:-build}"
root="${PORTAL112_TOOLS:-$HOME/.cache/portal112/tools}"
mkdir -p "$root/bin"
export PATH="$root/bin:$PATH"

say() { printf '\033[1m[tools]\033[0m %s\n' "$*" >&2; }

# cargo_tool BIN VERSION CRATE [extra cargo install flags...]
cargo_tool() {
  local bin="$1" version="$2" crate="$3"
  shift 3
  if [ -x "$root/bin/$bin" ] && "$root/bin/$bin" --version 2>/dev/null | grep -q "$version"; then
    return 0
  fi
  say "installing $crate $version (one-time, cached in $root)"
  cargo install --root "$root" "$crate" --version "$version" "$@"
}

apt_packages() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    say "apt-get install ${missing[*]}"
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
}

build_tools() {
  # brotli and gzip precompress dist/; node/npm fetch Leaflet from the npm registry.
  command -v brotli >/dev/null || apt_packages brotli
  command -v npm >/dev/null || apt_packages nodejs npm
  rustup target list --installed | grep -q '^wasm32-unknown-unknown$' \
    || rustup target add wasm32-unknown-unknown
  # wasm-opt builds binaryen from C++ sources.
  command -v g++ >/dev/null || apt_packages g++
  cargo_tool trunk "$TRUNK_VERSION" trunk --locked
  # Not --locked: its lock file names a crate version the registry no longer has.
  cargo_tool wasm-bindgen "$WASM_BINDGEN_VERSION" wasm-bindgen-cli
  cargo_tool wasm-opt "$WASM_OPT_VERSION" wasm-opt --locked
  if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    say "npm ci"
    npm ci --no-audit --no-fund --loglevel=error
  fi
}

test_tools() {
  apt_packages chromium chromium-driver
}

case "$what" in
  build) build_tools ;;
  test) build_tools; test_tools ;;
  all) build_tools; test_tools ;;
  *) echo "usage: $0 [build|test|all]" >&2; exit 2 ;;
esac
