#!/usr/bin/env bash
# Trunk post-build hook (Trunk.toml): builds the citizens' app and splits its
# WebAssembly so that `/` loads only what `/` needs.
#
# Trunk has no step between cargo and wasm-bindgen, where the split must
# happen (the splitter reads the linker's relocations, which wasm-bindgen
# drops), so this hook runs the whole chain itself, into Trunk's staging
# folder, after Trunk has written index.html there:
#
#   cargo build (linker keeps relocations: -Clink-args=--emit-relocs)
#   -> wasm-split-cli: the main module, one module per split point
#      (app/src/parts.rs) and shared chunks, and the loader __wasm_split.js
#   -> scripts/merge-chunks.py: small shared chunks merged (fewer modules a
#      page fetches and instantiates)
#   -> wasm-bindgen --target web --keep-lld-exports (the split modules use
#      the main module's memory, table and functions)
#   -> scripts/trim-glue.py: classes of a dependency the portal never uses out
#   -> wasm-opt -Oz on every module, esbuild --minify on the JavaScript
#
# Every file name carries one hash, that of the linked WebAssembly everything
# else is made from (and of the scripts that make it), so all of them are
# served with long caching and a new build never mixes with an old one. index.html gets its style sheet inline,
# the boot script (which fetches what `/` needs once the page the server
# rendered has painted), and the list of the other parts (the service worker
# keeps them for offline use).
#
# Trunk runs the hook for every build it makes; only an index.html that asks
# for it (a <meta name="portal112-wasm" content="<package>/<bin>">) is served.
set -euo pipefail

staging="${TRUNK_STAGING_DIR:?run by trunk (Trunk.toml [[hooks]])}"
index="$staging/index.html"
spec="$(grep -o '<meta content=[^ >]* name=portal112-wasm>\|<meta name="portal112-wasm" content="[^"]*">' "$index" || true)"
[ -n "$spec" ] || exit 0
spec="$(sed -E 's/.*content="?([^" >]+)"?.*/\1/' <<<"$spec")"
package="${spec%%/*}"
bin="${spec##*/}"
public_url="${TRUNK_PUBLIC_URL:-/}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

say() { printf '\033[1m[wasm]\033[0m %s\n' "$*" >&2; }

if [ "${TRUNK_PROFILE:-release}" = release ]; then
  profile=wasm-release
else
  profile=dev
fi
# The splitter needs the linker's relocations. The Makefile sets this flag
# for every wasm build (Konsol 112 too), so the two builds share compiled
# crates; added here when Trunk is run without it.
flags="${CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS:-}"
case " $flags " in
  *" -Clink-args=--emit-relocs "*) ;;
  *) export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="$flags -Clink-args=--emit-relocs" ;;
esac

say "cargo build -p $package --bin $bin --profile $profile"
cargo build --target wasm32-unknown-unknown -p "$package" --bin "$bin" --profile "$profile" --offline --locked
target_dir="$(cargo metadata --format-version 1 --no-deps --offline | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"
profile_dir="$profile"
[ "$profile" = dev ] && profile_dir=debug
linked="$target_dir/wasm32-unknown-unknown/$profile_dir/$bin.wasm"

# The scripts that post-process it count too: a changed step must not serve
# new files under old names that phones keep for a year.
hash="$(cat "$linked" "${BASH_SOURCE[0]}" "$root/scripts/trim-glue.py" "$root/scripts/merge-chunks.py" "$root/scripts/wasm_binary.py" \
  | sha256sum | cut -c1-16)"
name="$bin-$hash"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

say "wasm-split-cli ($name)"
wasm-split-cli --target web --out-name "$name" "$linked" "$work/split"

split_modules=("$work"/split/split_*.wasm)
if [ -e "${split_modules[0]}" ]; then
  say "merge-chunks"
  python3 "$root/scripts/merge-chunks.py" "$work/split"
fi
# Kept with their function names for bench/wasm-pieces.py (where the bytes are).
rm -rf "$target_dir/wasm-split/$bin"
mkdir -p "$target_dir/wasm-split/$bin"
cp "$work"/split/*.wasm "$target_dir/wasm-split/$bin/"
if [ -e "${split_modules[0]}" ]; then
  # The split modules use the main module's own exports (memory, table, functions).
  bindgen_flags=(--keep-lld-exports --no-demangle)
else
  # An app without split points (Konsol 112) goes through the splitter only
  # to lose the relocations; it needs no loader.
  bindgen_flags=()
  rm "$work/split/__wasm_split.js"
fi
say "wasm-bindgen"
wasm-bindgen --target web "${bindgen_flags[@]}" --no-typescript \
  --out-dir "$work/out" --out-name "$name" "$work/split/$name.wasm"

# The loader and the split modules get the build's hash too, and the files
# that name them are told.
loader="__wasm_split-$hash.js"
if [ -e "$work/split/__wasm_split.js" ]; then
  mv "$work/split/__wasm_split.js" "$work/out/$loader"
  grep -q '"./__wasm_split.js"' "$work/out/$name.js" || { echo "wasm-bindgen's glue does not import ./__wasm_split.js" >&2; exit 1; }
  # Only the JS import: the keys of the imports object name the module the
  # WebAssembly imports from, which stays "./__wasm_split.js".
  sed -i "/^import /s|\"./__wasm_split.js\"|\"./$loader\"|" "$work/out/$name.js"
fi
parts=()
for module in "$work"/split/*.wasm; do
  base="$(basename "$module" .wasm)"
  [ "$base" = "$name" ] && continue
  grep -q "\"./$base.wasm\"" "$work/out/$loader" || { echo "the loader does not name $base.wasm" >&2; exit 1; }
  sed -i "s|\"./$base.wasm\"|\"./$base-$hash.wasm\"|g" "$work/out/$loader"
  mv "$module" "$work/out/$base-$hash.wasm"
  parts+=("$base-$hash.wasm")
done

# wasm-streams' JavaScript classes, which the portal never uses (see the script).
python3 "$root/scripts/trim-glue.py" "$work/out/$name.js" "$work/out/${name}_bg.wasm"

say "wasm-opt -Oz (${#parts[@]} parts and the main module)"
opt_flags=(--enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext --enable-mutable-globals
  --enable-reference-types --enable-multivalue)
for module in "$work/out/${name}_bg.wasm" "${parts[@]/#/$work/out/}"; do
  if [ "$profile" = wasm-release ]; then
    # The splitter's name sections carry subsections wasm-opt 116 does not
    # know; it drops them (names are not needed at run time) and says so per
    # module, which is noise.
    # --converge repeats -Oz while it still shrinks the module; the low 1 KB
    # of memory is never an address Rust uses (its stack comes first and
    # ends at 1 MiB), which lets wasm-opt fold more offsets. Measured on the
    # main module: 0.7 KB brotli.
    wasm-opt -Oz --converge --low-memory-unused "${opt_flags[@]}" --output "$module.opt" "$module" 2>&1 \
      | { grep -v 'unknown name subsection\|in name section' || true; } >&2
    mv "$module.opt" "$module"
  fi
done

if [ "$profile" = wasm-release ]; then
  # The glue and the loader, minified (esbuild, pinned in package.json): less
  # for a phone to fetch (measured: 2.1 KB brotli on `/`) and to parse.
  say "esbuild --minify"
  for script in "$work/out/$name.js" "$work/out/$loader"; do
    [ -e "$script" ] || continue
    "$root/node_modules/.bin/esbuild" "$script" --minify --format=esm --log-level=error --outfile="$script.min"
    mv "$script.min" "$script"
  done
fi

cp "$work/out/"* "$staging/"

sri() { printf 'sha384-%s' "$(openssl dgst -sha384 -binary "$1" | openssl base64 -A)"; }
js="$public_url$name.js"
wasm="$public_url${name}_bg.wasm"
loader_url=""
[ -e "$work/out/$loader" ] && loader_url="$public_url$loader"
part_list=""
if [ "${#parts[@]}" -gt 0 ]; then
  part_list="$(printf '"%s",' "${parts[@]/#/$public_url}" | sed 's/,$//')"
fi
# index.html gets its style sheet inline, a boot script that waits for the
# first paint, and the list of the parts the service worker keeps.
python3 - "$index" "$spec" "$staging" "$public_url" "$js" "$(sri "$work/out/$name.js")" "$loader_url" "$wasm" "$part_list" <<'EOF'
import os, re, sys
path, spec, staging, public_url, js, js_sri, loader, wasm, parts = sys.argv[1:]
html = open(path, encoding="utf-8").read()


def attr(tag: str, name: str) -> str | None:
    m = re.search(r'\b%s="?([^" >]+)' % name, tag)
    return m.group(1) if m else None


# The style sheet goes into the page itself: one request fewer before
# anything can paint, which on a slow connection is a whole round trip.
def inline_css(m: re.Match) -> str:
    href = attr(m.group(0), "href")
    file = os.path.join(staging, href[len(public_url):])
    css = open(file, encoding="utf-8").read()
    if "</style" in css:
        sys.exit(f"{href} cannot be inlined: it contains </style")
    os.remove(file)
    return f"<style>{css}</style>"


html = re.sub(r'<link [^>]*rel="?stylesheet"?[^>]*>', inline_css, html)

# What the page fetched ahead in its <head> (the city's configuration) waits
# for the first paint too, with the app's own files.
ahead = []


def take_preload(m: re.Match) -> str:
    ahead.append((attr(m.group(0), "href"), "preload", attr(m.group(0), "as") or "fetch", ""))
    return ""


html = re.sub(r'<link [^>]*rel="?preload"?[^>]*>', take_preload, html)
ahead.append((js, "modulepreload", "", js_sri))
if loader:
    ahead.append((loader, "modulepreload", "", ""))

# The page the server rendered paints first; only then are the app's files
# fetched, so that on a slow connection they do not hold back the words the
# citizen came for. "Painted" is the browser's own first-contentful-paint
# entry (a frame callback runs before the frame reaches the screen, which can
# be much later); a browser without paint entries waits for one frame, and a
# page that is not painted (a tab in the background) starts after 2 s.
links = ",".join("[%s]" % ",".join(f"'{v}'" for v in item) for item in ahead)
boot = (
    "<script type=module>"
    f"const app='{js}',wasm='{wasm}';let booted=false;"
    "function boot(){if(booted)return;booted=true;"
    f"for(const[href,rel,as,integrity]of[{links}]){{"
    "const l=document.createElement('link');l.rel=rel;l.href=href;l.crossOrigin='anonymous';"
    "if(as)l.as=as;if(integrity)l.integrity=integrity;document.head.append(l)}"
    "const module=fetch(wasm);"
    "import(app).then(m=>m.default({module_or_path:module}))}"
    "if((PerformanceObserver.supportedEntryTypes||[]).includes('paint'))"
    "new PerformanceObserver((l,o)=>{if(l.getEntriesByName('first-contentful-paint').length){o.disconnect();boot()}})"
    ".observe({type:'paint',buffered:true});"
    "else requestAnimationFrame(()=>setTimeout(boot));"
    "setTimeout(boot,2000)"
    "</script>"
)
if parts:
    # Not a script the browser runs: the parts the service worker keeps.
    boot += f"<script id=app-parts type=application/json>[{parts}]</script>"
html, n = re.subn(r'<meta (?:content="?%s"? name=portal112-wasm|name="portal112-wasm" content="%s")>' % (re.escape(spec), re.escape(spec)), lambda _: boot, html, count=1)
if n != 1:
    sys.exit("index.html lost its portal112-wasm marker")
# Trunk leaves the link it was told to skip; the browser has no use for it.
html = re.sub(r'<link [^>]*data-trunk-skip[^>]*>', '', html)
open(path, "w", encoding="utf-8").write(html)
EOF
say "$name: main $(stat -c %s "$work/out/${name}_bg.wasm") B, ${#parts[@]} parts"
