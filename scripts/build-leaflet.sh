#!/usr/bin/env bash
# Trunk post-build hook (Trunk.toml): builds /leaflet/leaflet.js (the report
# form's and Konsol 112's maps, app/leaflet.js) and /leaflet/leaflet-full.js
# (the public map of reports, app/leaflet-full.js) from Leaflet's sources
# (npm, pinned in package.json) with only the parts they use, minified by
# esbuild, into the build that copies
# Leaflet's style sheet and images (the citizens' portal, index.html; Konsol
# 112 loads the same files from there), and minifies that style sheet (its
# comments and spaces were a fifth of its bytes, brotli) in two versions,
# one per build.
set -euo pipefail

staging="${TRUNK_STAGING_DIR:?run by trunk (Trunk.toml [[hooks]])}"
[ -f "$staging/leaflet/leaflet.css" ] || exit 0
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
version="$(node -p 'require(process.argv[1]).version' "$root/node_modules/leaflet/package.json")"

for build in leaflet leaflet-full; do
  printf '\033[1m[leaflet]\033[0m %s\n' "Leaflet $version: app/$build.js -> leaflet/$build.js" >&2
  # The global name `L` is what the leaflet crate's bindings look up.
  # Leaflet marks its private properties and methods with a leading `_`;
  # nothing outside the bundle reads them (the apps reach only public
  # methods), so they are renamed short: 1.6 KB brotli of 26.7. Kept: the
  # `_leaflet_*` marks, which Leaflet reads both as `el._leaflet_id` and as
  # `el['_leaflet_id']`, and `__super__`, which it compares as a string.
  "$root/node_modules/.bin/esbuild" "$root/app/$build.js" --bundle --minify --format=iife --global-name=L \
    --mangle-props='^_' --reserve-props='^(__|_leaflet_)' \
    --log-level=warning --outfile="$staging/leaflet/$build.js" \
    --banner:js="/* @preserve Leaflet $version, a JS library for interactive maps. https://leafletjs.com (c) 2010-2023 Vladimir Agafonkin, (c) 2010-2011 CloudMade. BSD-2-Clause. */"
done
# Leaflet's whole style sheet goes with the full build (leaflet-full.css);
# the basic build's leaves out the rules of the parts it has not
# (scripts/leaflet-css.py: 2.3 -> 1.5 KB brotli).
"$root/node_modules/.bin/esbuild" "$staging/leaflet/leaflet.css" --minify --log-level=warning \
  --outfile="$staging/leaflet/leaflet-full.css"
python3 "$root/scripts/leaflet-css.py" "$staging/leaflet/leaflet.css" >"$staging/leaflet/leaflet-basic.css"
"$root/node_modules/.bin/esbuild" "$staging/leaflet/leaflet-basic.css" --minify --log-level=warning \
  --outfile="$staging/leaflet/leaflet.css" --allow-overwrite
rm "$staging/leaflet/leaflet-basic.css"
