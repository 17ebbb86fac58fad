#!/usr/bin/env bash
# Sizes of the built app: every file of dist/ raw, gzip -9 and brotli -q 11
# (as scripts/compress-dist.sh precompresses them), and the first view — what
# a phone downloads for `/` before it can be used: index.html and every
# script, WebAssembly module and style sheet index.html names, except the
# parts of the app that load with their own page (index.html lists them in
# its `app-parts` block; scripts/build-app-wasm.sh). Each part, and Leaflet
# (with the map step only), is counted apart.
#
# usage: bench/bundle.sh [dist] > section.md
# Exit status 3 when the first view is over the README's budget (200 KB
# brotli, 1 KB = 1000 bytes as in the README's table); the section is written
# either way.
set -euo pipefail

dist="${1:-dist}"
budget=200000
[ -f "$dist/index.html" ] || { echo "no $dist/index.html: build the app first (make app)" >&2; exit 1; }

gz() { gzip -9 -n -c "$1" | wc -c; }
br() { brotli -q 11 -c "$1" | wc -c; }
kb() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1000 }'; }

# The parts: "/split_report_123-abc.wasm" is the report page's part; a
# "chunk_..." module holds code two or more parts share.
parts_listed="$(grep -o '<script id=app-parts type=application/json>[^<]*' "$dist/index.html" | sed 's/.*>//' | tr -d '[]"' | tr ',' '\n' || true)"
part_of() {
  local name="$1"
  grep -qxF "/$name" <<<"$parts_listed" || return 1
  case "$name" in
    split_*) name="${name#split_}"; printf 'part: %s' "${name%%-*}" ;;
    *) printf 'part: shared by several (%s)' "${name%%-*}" ;;
  esac
}
parts_raw=0; parts_gz=0; parts_br=0
first_raw=0; first_gz=0; first_br=0
console_raw=0; console_gz=0; console_br=0
leaf_raw=0; leaf_gz=0; leaf_br=0
full_br=0
rows=""
declare -A part_br=() chunk_br=()
chunks_br=0
while IFS= read -r f; do
  rel="${f#"$dist"/}"
  raw=$(wc -c <"$f"); g=$(gz "$f"); b=$(br "$f")
  role=""
  name="$(basename "$f")"
  if [ "$rel" = "index.html" ]; then
    role="first view"
  elif role="$(part_of "$name")"; then
    parts_raw=$((parts_raw + raw)); parts_gz=$((parts_gz + g)); parts_br=$((parts_br + b))
  elif [[ "$rel" != */* ]] && [[ "$name" =~ \.(js|wasm|css)$ ]] && grep -qF "/$name" "$dist/index.html"; then
    role="first view"
  elif [[ "$rel" == leaflet/leaflet.js || "$rel" == leaflet/leaflet.css ]]; then
    role="map step (Leaflet)"
  elif [[ "$rel" == leaflet/leaflet-full.js || "$rel" == leaflet/leaflet-full.css ]]; then
    role="public map (Leaflet with popups)"
    full_br=$((full_br + b))
  elif [[ "$rel" == petugas/* ]] && [[ "$name" =~ \.(html|js|wasm|css)$ ]]; then
    role="Konsol 112"
  fi
  case "$name" in
    split_*) key="${name#split_}"; key="${key%%[-_]*}"; part_br["$key"]=$(( ${part_br["$key"]:-0} + b )) ;;
    chunk_*) [ -n "$role" ] && { chunks_br=$((chunks_br + b)); chunk_br["${name%%-*}"]=$b; } ;;
  esac
  case "$role" in
    "first view") first_raw=$((first_raw + raw)); first_gz=$((first_gz + g)); first_br=$((first_br + b)) ;;
    "map step (Leaflet)") leaf_raw=$((leaf_raw + raw)); leaf_gz=$((leaf_gz + g)); leaf_br=$((leaf_br + b)) ;;
    "Konsol 112") console_raw=$((console_raw + raw)); console_gz=$((console_gz + g)); console_br=$((console_br + b)) ;;
  esac
  rows+="| \`$rel\` | $raw | $g | $b | $role |"$'\n'
done < <(find "$dist" -type f ! -name '*.br' ! -name '*.gz' ! -name '*.map' | LC_ALL=C sort)

# What each part needs besides itself: the shared chunks its loader fetches
# with it (the splitter's loader lists them per part).
declare -A needs=()
loader="$(find "$dist" -maxdepth 1 -name '__wasm_split-*.js' | head -n 1)"
if [ -n "$loader" ]; then
  while read -r part deps; do needs["$part"]="$deps"; done < <(python3 - "$loader" <<'PY'
# Each module's loader is `NAME = [wrap(]makeLoad(() => { ... fetch(new
# URL("./MODULE[-HASH].wasm") ... }, [the loaders it needs first])`, minified
# (release) or not: read the variable, the module and the list.
import re, sys
text = open(sys.argv[1]).read()
loads = re.finditer(
    r'([\w$]+)\s*=\s*(?:[\w$]+\()?[\w$]+\(\(\)\s*=>\s*\{\s*const [\w$]+\s*=\s*fetch\(new URL\("\./([\w]+?)(?:-[0-9a-f]{16})?\.wasm"(.*?)\}\s*,\s*\[([^\]]*)\]',
    text, re.S)
module_of, deps_of = {}, {}
for m in loads:
    if "fetch(new URL" in m.group(3):
        sys.exit("bundle.sh: the loader's form changed; update the pattern")
    module_of[m.group(1)] = m.group(2)
    deps_of[m.group(2)] = [d.strip() for d in m.group(4).split(",") if d.strip()]
if not any(name.startswith("split_") for name in deps_of):
    sys.exit("bundle.sh: no part found in the loader")
def needed(name: str, seen: set[str]) -> set[str]:
    for d in deps_of.get(name, []):
        if module_of[d] not in seen:
            seen.add(module_of[d])
            needed(module_of[d], seen)
    return seen
for name in deps_of:
    if name.startswith("split_"):
        print(name[len("split_"):], " ".join(sorted(needed(name, set()))))
PY
)
fi
# with PART: the first view, PART and the chunks it needs (brotli bytes).
with() {
  local total=$((first_br + ${part_br[$1]:-0})) c
  for c in ${needs[$1]:-}; do total=$((total + ${chunk_br[$c]:-0})); done
  echo "$total"
}

# What the server sends in place of the bare index.html: the same file with
# the page rendered ahead in its <body> (a first view as a phone gets it),
# and the city configuration the app fetches once and keeps. Measured with
# the release server when there is one (PORTAL112_BIN), brotli -q 11 as above.
bin="${PORTAL112_BIN:-target/release/portal112}"
index_br=$(br "$dist/index.html")
home_br=""; config_br=""; config_json_br=""
if [ -x "$bin" ]; then
  tmp="$(mktemp -d)"
  port=$((20000 + RANDOM % 20000))
  "$bin" --database "sqlite://$tmp/portal.db" --config "${PORTAL112_CONFIG:-config/bitung.toml}" serve \
    --listen "127.0.0.1:$port" --dist "$dist" --media "$tmp/media" >"$tmp/log" 2>&1 &
  server=$!
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
  served_br() { curl -sf "http://127.0.0.1:$port$1" >"$tmp/page" && br "$tmp/page"; }
  home_br=$(served_br / || true)
  config_br=$(served_br /api/v1/config.postcard || true)
  config_json_br=$(served_br /api/v1/config || true)
  kill "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  rm -rf "$tmp"
fi
served_first=""
[ -n "$home_br" ] && served_first=$((first_br - index_br + home_br))

verdict="within"
status=0
if [ "$first_br" -gt "$budget" ]; then verdict="**over**"; status=3; fi

cat <<EOF
## Bundle

\`bench/bundle.sh $dist\` — bytes; gzip \`-9 -n\`, brotli \`-q 11\` (what \`scripts/compress-dist.sh\` serves).

| | raw | gzip | brotli |
|---|---:|---:|---:|
| **first view** (index.html + the scripts, wasm and CSS it names) | $(kb "$first_raw") KB | $(kb "$first_gz") KB | **$(kb "$first_br") KB** |
| the pages' own parts (each loads when its page opens; every file below marked "part") | $(kb "$parts_raw") KB | $(kb "$parts_gz") KB | $(kb "$parts_br") KB |
| Leaflet JS + CSS (the report form's map step, Konsol 112's maps; the public map has its own script and style sheet, below) | $(kb "$leaf_raw") KB | $(kb "$leaf_gz") KB | $(kb "$leaf_br") KB |
| Konsol 112 at \`/petugas/\` (its html, js, wasm and CSS; staff only, never part of the citizens' pages) | $(kb "$console_raw") KB | $(kb "$console_gz") KB | $(kb "$console_br") KB |

First view: **$(kb "$first_br") KB brotli**, $verdict the budget of $(kb "$budget") KB (1 KB = 1000 bytes).
$(if [ -n "$served_first" ]; then echo "
As the server sends it, \`/\` is the same file with the home page rendered ahead in its body: $(kb "$home_br") KB
instead of $(kb "$index_br") KB, so **$(kb "$served_first") KB** in all. The app then fetches the city's configuration
once and keeps it on the phone: $(kb "$config_br") KB (\`/api/v1/config.postcard\`; the same as JSON, \`/api/v1/config\`: $(kb "$config_json_br") KB)."; fi)

### Per page, against where this started and FixMyStreet

What a phone downloads, brotli, from opening the page to using it: the
first view, the page's own part and the shared chunks its loader fetches
with it ($(kb "$chunks_br") KB of shared chunks in all). Before: the issue that split the app (one bundle of
196.5 KB for every page; it had grown to 233.9 KB with the public map and the
statistics by the time it was split). FixMyStreet: its front page and its
report page, as the issue gives them.

| page | before | now | goal | FixMyStreet |
|---|---:|---:|---:|---:|
| first view of \`/\` | 196.5 KB | **$(kb "$first_br") KB** | ≤ 100 KB | 44 KB |
$(if [ -n "$served_first" ]; then echo "| first view of \`/\` as served (the home page rendered ahead) | | **$(kb "$served_first") KB** | ≤ 100 KB | 44 KB |"; fi)
| \`/lapor\` up to a usable map step (+ the form's part, Leaflet) | 236.4 KB | **$(kb $(($(with report) + leaf_br))) KB** | ≤ 160 KB | 184–201 KB |
| \`/lacak/{code}\` (+ tracking's part) | 196.5 KB | $(kb $(($(with track)))) KB | | |
| \`/video\` (+ the videos' part) | 196.5 KB | $(kb $(($(with videos)))) KB | | |
| \`/peta\` (+ the map's part, Leaflet with popups) | 273.8 KB | $(kb $(($(with map) + full_br))) KB | | |
| \`/statistik\` (+ the statistics' part) | 233.9 KB | $(kb $(($(with stats)))) KB | | |

Each part alone: $(for k in $(printf '%s\n' "${!part_br[@]}" | LC_ALL=C sort); do printf '%s %s KB · ' "$k" "$(kb "${part_br[$k]}")"; done | sed 's/ · $//').

WebAssembly modules each part fetches and instantiates (itself and its shared chunks, after
\`scripts/merge-chunks.py\`): $(for k in $(printf '%s\n' "${!part_br[@]}" | LC_ALL=C sort); do set -- ${needs[$k]:-}; printf '%s %s · ' "$k" "$(($# + 1))"; done | sed 's/ · $//').

$(if [ -d "${PIECES_DIR:-target/wasm-split/portal112-app}" ]; then python3 "$(dirname "$0")/wasm-pieces.py" "${PIECES_DIR:-target/wasm-split/portal112-app}"; fi)

<details><summary>Every file of dist/ (bytes)</summary>

| file | raw | gzip | brotli | counted in |
|---|---:|---:|---:|---|
${rows}
</details>

EOF
exit "$status"
