#!/usr/bin/env bash
# Installs the pinned build and test tools, idempotently.
#
# Cargo-built tools go into a per-user cache keyed by version
# ($PORTAL112_TOOLS, default ~/.cache/portal112/tools) so fresh clones and CI
# runs reuse them; a tool already present at the pinned version costs nothing.
#
# usage: scripts/install-tools.sh [build|test|fuzz|schemathesis|bench|webhook-verifier|all]
#   build: what `make run` needs (wasm target, trunk, wasm-bindgen, wasm-opt, sccache, npm deps,
#          and for the how-to videos Chromium, ffmpeg, espeak-ng and fonts)
#   test:  build + Chromium and chromedriver for the browser tests, PostgreSQL
#          and sqlite3 for the store and backup tests, the Python reference
#          verifier of Standard Webhooks in its own virtualenv under the cache, and
#          the open-data readers the tests check our files with (frictionless in a
#          virtualenv, GDAL's ogrinfo)
#   fuzz:  cargo-fuzz (libFuzzer; run on stable with RUSTC_BOOTSTRAP=1, see fuzz/README.md)
#   schemathesis: schemathesis in its own virtualenv under the cache
#   bench: oha, nginx, brotli, Chromium and Lighthouse (with its trace-engine patch)
set -euo pipefail

TRUNK_VERSION=0.21.14
WASM_BINDGEN_VERSION=0.2.130
WASM_OPT_VERSION=0.116.1
CARGO_FUZZ_VERSION=0.13.2
OHA_VERSION=1.16.0
SCHEMATHESIS_VERSION=4.32.5
FRICTIONLESS_VERSION=5.18.1
LIGHTHOUSE_VERSION=12.2.3
SCCACHE_VERSION=0.19.0
# Splits the citizens' app into a part per page (scripts/build-app-wasm.sh).
WASM_SPLIT_VERSION=0.2.4
# The reference verifier of Standard Webhooks, which the webhook test checks our signatures with.
STANDARDWEBHOOKS_PY_VERSION=1.1.0

what="${1:-build}"
root="${PORTAL112_TOOLS:-$HOME/.cache/portal112/tools}"
# Virtualenvs and npm-installed tools live beside the cargo-built ones.
cache="$(dirname "$root")"
mkdir -p "$root/bin"
export PATH="$root/bin:$PATH"

say() { printf '\033[1m[tools]\033[0m %s\n' "$*" >&2; }

# cargo_tool BIN VERSION CRATE [extra cargo install flags...]
cargo_tool() {
  local bin="$1" version="$2" crate="$3"
  shift 3
  # Cargo's own record first: some tools print another version than their
  # crate's (wasm-opt 0.116.1 says "version 116").
  if [ -x "$root/bin/$bin" ] && { grep -qF "\"$crate $version " "$root/.crates.toml" 2>/dev/null \
      || "$root/bin/$bin" --version 2>/dev/null | grep -q "$version"; }; then
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
  # The size-optimised bundle compiles std from source (see the Makefile).
  rustup component list --installed | grep -q '^rust-src' || rustup component add rust-src
  # wasm-opt builds binaryen from C++ sources.
  command -v g++ >/dev/null || apt_packages g++
  cargo_tool trunk "$TRUNK_VERSION" trunk --locked
  # Not --locked: its lock file names a crate version the registry no longer has.
  cargo_tool wasm-bindgen "$WASM_BINDGEN_VERSION" wasm-bindgen-cli
  cargo_tool wasm-opt "$WASM_OPT_VERSION" wasm-opt --locked
  # It has no --version: cargo's own record of installed crates is the check.
  grep -q "^\"wasm_split_cli_support $WASM_SPLIT_VERSION " "$root/.crates.toml" 2>/dev/null \
    || { say "installing wasm_split_cli_support $WASM_SPLIT_VERSION (one-time, cached in $root)"
         cargo install --root "$root" wasm_split_cli_support --version "$WASM_SPLIT_VERSION" --locked --features build-binary; }
  # Caches compiled crates across clones (the Makefile uses it once present);
  # local disk only, none of the cloud back-ends.
  cargo_tool sccache "$SCCACHE_VERSION" sccache --locked --no-default-features
  if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    say "npm ci"
    npm ci --no-audit --no-fund --loglevel=error
  fi
  video_tools
}

# `make run` makes the agencies' how-to videos (videos/make.mjs): playwright-core
# (npm, above) drives Debian's Chromium, espeak-ng speaks Indonesian, ffmpeg
# encodes VP9 + Opus; the pages are drawn with the DejaVu fonts. Debian
# bookworm's packages are the pin; the checks below catch a build without
# the encoders or the voice the videos need.
video_tools() {
  apt_packages chromium ffmpeg espeak-ng fonts-dejavu-core
  local encoders voices
  encoders="$(ffmpeg -hide_banner -encoders 2>/dev/null)"
  for encoder in libvpx-vp9 libopus; do
    grep -qw -- "$encoder" <<<"$encoders" || { echo "ffmpeg lacks the $encoder encoder the videos need" >&2; exit 1; }
  done
  voices="$(espeak-ng --voices=id 2>/dev/null)"
  grep -qw id <<<"$voices" || { echo "espeak-ng lacks the Indonesian voice (id)" >&2; exit 1; }
}

test_tools() {
  # ffmpeg makes the WebM (VP9 + Opus) the video test uploads and plays.
  # postgresql: the store tests run against a throw-away PostgreSQL cluster
  # (scripts/with-postgres.sh); sqlite3 backs up a serving SQLite database in
  # the backup test. Debian bookworm's packages (PostgreSQL 15) are the pin.
  apt_packages chromium chromium-driver ffmpeg postgresql sqlite3 gdal-bin
  webhook_verifier
  frictionless_tools
}

# The webhook test (tests/tests/webhooks.rs) has every signature it receives
# checked by the specification's own Python package, not only by our Rust
# side. Keyed by version like schemathesis: a new pin gets a fresh virtualenv.
webhook_verifier() {
  local venv="$cache/standardwebhooks-$STANDARDWEBHOOKS_PY_VERSION"
  if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c 'import standardwebhooks.webhooks' 2>/dev/null; then
    return 0
  fi
  say "installing the Python standardwebhooks $STANDARDWEBHOOKS_PY_VERSION (one-time, cached in $venv)"
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "standardwebhooks==$STANDARDWEBHOOKS_PY_VERSION"
}

# Readers of the open data that nobody here wrote: the tests hand them what
# the server publishes. The virtualenv is keyed by version like schemathesis'.
frictionless_tools() {
  local venv="$cache/frictionless-$FRICTIONLESS_VERSION"
  if [ -x "$venv/bin/frictionless" ] && "$venv/bin/frictionless" --version 2>/dev/null | grep -q "$FRICTIONLESS_VERSION"; then
    ln -sf "$venv/bin/frictionless" "$root/bin/frictionless"
    return 0
  fi
  say "installing frictionless $FRICTIONLESS_VERSION (one-time, cached in $venv)"
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "frictionless==$FRICTIONLESS_VERSION"
  ln -sf "$venv/bin/frictionless" "$root/bin/frictionless"
}

fuzz_tools() {
  # libfuzzer-sys compiles libFuzzer's C++ sources.
  command -v g++ >/dev/null || apt_packages g++
  cargo_tool cargo-fuzz "$CARGO_FUZZ_VERSION" cargo-fuzz --locked
}

# The virtualenv is keyed by version, so a new pin gets a fresh one.
schemathesis_tools() {
  local venv="$cache/schemathesis-$SCHEMATHESIS_VERSION"
  if [ -x "$venv/bin/schemathesis" ] && "$venv/bin/schemathesis" --version 2>/dev/null | grep -q "$SCHEMATHESIS_VERSION"; then
    return 0
  fi
  say "installing schemathesis $SCHEMATHESIS_VERSION (one-time, cached in $venv)"
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
}

# Lighthouse 12 (13 needs Node 22) in its own folder under the cache, with
# the trace-engine fix for Chromium >= 156 (see /work/shared/TOOLCHAIN.md):
# the field `chrome_frame_reporter` was renamed `frame_reporter`.
lighthouse_tools() {
  local dir="$cache/lighthouse-$LIGHTHOUSE_VERSION"
  if [ ! -x "$dir/node_modules/.bin/lighthouse" ]; then
    say "installing lighthouse $LIGHTHOUSE_VERSION (one-time, cached in $dir)"
    mkdir -p "$dir"
    [ -f "$dir/package.json" ] || echo '{"private": true}' >"$dir/package.json"
    npm install --prefix "$dir" --save-exact --no-audit --no-fund --loglevel=error "lighthouse@$LIGHTHOUSE_VERSION"
  fi
  local handler="$dir/node_modules/@paulirish/trace_engine/models/trace/handlers/ScreenshotsHandler.js"
  local old='evt.args.data.beginEvent.args.chrome_frame_reporter.frame_sequence'
  local new='(evt.args.data.beginEvent.args.chrome_frame_reporter ?? evt.args.data.beginEvent.args.frame_reporter)?.frame_sequence'
  if grep -qF "$old" "$handler" && ! grep -qF "$new" "$handler"; then
    say "patching the Lighthouse trace engine for this Chromium"
    OLD="$old" NEW="$new" perl -0pi -e 's/\Q$ENV{OLD}\E/$ENV{NEW}/g' "$handler"
  fi
}

bench_tools() {
  command -v nginx >/dev/null || apt_packages nginx
  command -v brotli >/dev/null || apt_packages brotli
  command -v npm >/dev/null || apt_packages nodejs npm
  apt_packages chromium
  cargo_tool oha "$OHA_VERSION" oha --locked
  lighthouse_tools
}


case "$what" in
  build) build_tools ;;
  test) build_tools; test_tools ;;
  webhook-verifier) webhook_verifier ;;
  fuzz) fuzz_tools ;;
  schemathesis) schemathesis_tools ;;
  bench) bench_tools ;;
  all) build_tools; test_tools; fuzz_tools; schemathesis_tools; bench_tools ;;
  *) echo "usage: $0 [build|test|fuzz|schemathesis|bench|webhook-verifier|all]" >&2; exit 2 ;;
esac
