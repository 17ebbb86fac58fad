#!/usr/bin/env bash
# Writes .br and .gz next to every compressible file of dist/ so the server can
# send them as they are (tower-http's precompressed files) instead of
# compressing on every request.
set -euo pipefail
dist="${1:-dist}"
find "$dist" -type f \( -name '*.html' -o -name '*.js' -o -name '*.wasm' -o -name '*.css' -o -name '*.svg' \
  -o -name '*.webmanifest' -o -name '*.json' -o -name '*.vtt' \) -not -name '*.map' | while read -r f; do
  brotli -f -q 11 -o "$f.br" "$f"
  gzip -f -9 -k -n "$f"
done
