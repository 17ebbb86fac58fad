#!/usr/bin/env python3
"""Where the bytes of the citizens' app are: each WebAssembly module the
splitter made (the main module `/` loads, each page's part, the shared
chunks), its code attributed to the pieces of the app — Rust's standard
library, Leptos' runtime, serde, wasm-bindgen, the city configuration
reader, the router and each page.

Reads the modules as the splitter wrote them (scripts/build-app-wasm.sh keeps
them, with their function names, in target/wasm-split/<bin>/), before
wasm-bindgen and wasm-opt: the shares hold for the served files, the bytes
are larger. Prints a Markdown section on stdout.

usage: bench/wasm-pieces.py target/wasm-split/portal112-app
"""

from __future__ import annotations

import re
import sys
from collections import defaultdict
from pathlib import Path

# The build's reader of WebAssembly binaries.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
from wasm_binary import leb  # noqa: E402

# Crates, grouped into the pieces a reader of the bundle thinks in.
PIECES = [
    ("Rust's standard library (core, alloc, std, the allocator)",
     {"core", "alloc", "std", "compiler_builtins", "dlmalloc", "hashbrown", "rustc_demangle", "panic_abort"}),
    ("Leptos' runtime (reactive_graph, tachys, leptos)",
     {"reactive_graph", "tachys", "leptos", "any_spawner", "or_poisoned", "throw_error", "hydration_context",
      "send_wrapper", "slotmap", "guardian", "futures_util", "futures_core", "futures_channel", "futures_task",
      "pin_project_lite", "either_of", "next_tuple", "oco_ref", "reactive_stores", "wasm_split_helpers",
      "wasm_split", "leptos_macro", "server_fn", "const_str_slice_concat", "drain_filter_polyfill",
      "rustc_hash", "indexmap", "paste", "once_cell", "async_lock", "event_listener", "parking_lot",
      "lock_api", "scopeguard", "smallvec", "itertools", "typed_builder"}),
    ("serde (serde, serde_json, serde-wasm-bindgen, postcard)", {"serde", "serde_json", "serde_wasm_bindgen", "postcard", "itoa", "ryu",
                                                       "memchr"}),
    ("wasm-bindgen, js-sys, web-sys, gloo", {"wasm_bindgen", "js_sys", "web_sys", "wasm_bindgen_futures",
                                             "gloo_net", "gloo_utils", "gloo_timers", "gloo_events", "leaflet"}),
    ("portal112-core (the city configuration and the shared types)", {"portal112_core"}),
]
APP = "portal112_app"


def functions(path: Path) -> tuple[list[tuple[str, int]], int, int]:
    """Each defined function's name and body size, the data bytes, the file size."""
    data = path.read_bytes()
    i, imported, bodies, names, data_bytes = 8, 0, [], {}, 0
    while i < len(data):
        sid = data[i]
        size, i = leb(data, i + 1)
        end = i + size
        if sid == 2:  # imports: function indices count them first
            count, j = leb(data, i)
            for _ in range(count):
                for _ in range(2):
                    n, j = leb(data, j)
                    j += n
                kind = data[j]
                j += 1
                if kind == 0:
                    imported += 1
                    _, j = leb(data, j)
                elif kind == 1:
                    j += 1
                    flags, j = leb(data, j)
                    _, j = leb(data, j)
                    if flags & 1:
                        _, j = leb(data, j)
                elif kind == 2:
                    flags, j = leb(data, j)
                    _, j = leb(data, j)
                    if flags & 1:
                        _, j = leb(data, j)
                elif kind == 3:
                    j += 2
                else:
                    _, j = leb(data, j)  # tag
                    _, j = leb(data, j)
        elif sid == 10:
            count, j = leb(data, i)
            for _ in range(count):
                n, j = leb(data, j)
                bodies.append(n)
                j += n
        elif sid == 11:
            data_bytes += size
        elif sid == 0:
            n, j = leb(data, i)
            if data[j:j + n] == b"name":
                j += n
                while j < end:
                    sub = data[j]
                    subsize, j = leb(data, j + 1)
                    if sub == 1:
                        count, k = leb(data, j)
                        for _ in range(count):
                            idx, k = leb(data, k)
                            n, k = leb(data, k)
                            names[idx] = data[k:k + n].decode("utf-8", "replace")
                            k += n
                    j += subsize
        i = end
    named = [(names.get(imported + n, ""), size) for n, size in enumerate(bodies)]
    return [(name, size) for name, size in named if not removed_by_wasm_bindgen(name)], data_bytes, len(data)


def path_of(name: str) -> list[str]:
    """The first segments of a mangled Rust path (legacy `_ZN` or v0 `_R`);
    for `<T as Trait>::f` those of `T`."""
    if name.startswith("_ZN"):
        segments, i = [], 3
        while i < len(name) and name[i].isdigit():
            m = re.match(r"\d+", name[i:])
            n = int(m.group())
            i += len(m.group())
            segments.append(name[i:i + n])
            i += n
        if segments and segments[0].startswith("_$LT$"):
            inner = re.sub(r"^_\$LT\$(\$RF\$)?(mut\$u20\$)?(dyn\$u20\$)?", "", segments[0])
            return [s for s in inner.split("..")[:2]]
        return segments[:2]
    if name.startswith("_R"):
        # v0: the leftmost crate root (`C`, with an optional `s<base-62>_`
        # disambiguator) is where the item, or the impl it is in, is written.
        m = re.search(r"C(?:s[0-9a-zA-Z]*_)?(\d+)(\w+)", name)
        if m:
            n = int(m.group(1))
            crate = m.group(2)[:n]
            nxt = re.match(r"(\d+)(\w+)", m.group(2)[n:])
            return [crate] + ([nxt.group(2)[: int(nxt.group(1))]] if nxt else [])
    return []


def removed_by_wasm_bindgen(name: str) -> bool:
    """The type descriptions wasm-bindgen runs at build time and then drops."""
    return name.startswith("__wbindgen_describe") or "WasmDescribe8describe" in name


def piece_of(name: str) -> str:
    path = path_of(name)
    if not path:
        return "glue without a Rust path (wasm-bindgen shims, memcpy, ...)"
    crate = path[0]
    if crate == APP:
        module = path[1] if len(path) > 1 else ""
        if module == "route":
            return "the app: router (route)"
        if module in ("pages", "parts", "components"):
            return f"the app: {module}"
        return "the app: shell, outbox, drafts, api (app, outbox, device, api, ...)"
    for piece, crates in PIECES:
        if crate in crates:
            return piece
    return "other crates"


def main() -> None:
    folder = Path(sys.argv[1] if len(sys.argv) > 1 else "target/wasm-split/portal112-app")
    modules = sorted(folder.glob("*.wasm"))
    if not modules:
        sys.exit(f"no modules in {folder}: build the app first (make app)")
    main_module = min(modules, key=lambda p: (p.name.startswith(("split_", "chunk_")), p.name))
    lines = [
        "### Where the bytes are",
        "",
        f"`bench/wasm-pieces.py {folder}` — the modules as the splitter wrote them (function names kept, before "
        "wasm-bindgen and `wasm-opt -Oz`, so larger than served; the shares hold).",
        "",
        "| module | loads with | file | code | data |",
        "|---|---|---:|---:|---:|",
    ]
    shares = defaultdict(int)
    code_total = 0
    for m in modules:
        funcs, data_bytes, size = functions(m)
        code = sum(s for _, s in funcs)
        if m == main_module:
            role = "`/` (first view)"
            for name, s in funcs:
                shares[piece_of(name)] += s
            code_total = code
        elif m.name.startswith("split_"):
            role = f"its own page's: {m.stem.removeprefix('split_')}"
        else:
            role = "two or more parts"
        lines.append(f"| `{m.name}` | {role} | {size / 1000:.1f} KB | {code / 1000:.1f} KB | {data_bytes / 1000:.1f} KB |")
    lines += ["", f"The code of the main module (`{main_module.name}`, what `/` runs), by piece:", "",
              "| piece | code | share |", "|---|---:|---:|"]
    for piece, s in sorted(shares.items(), key=lambda kv: -kv[1]):
        lines.append(f"| {piece} | {s / 1000:.1f} KB | {100 * s / max(code_total, 1):.0f} % |")
    lines.append("")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
