#!/usr/bin/env python3
"""Merges the splitter's small shared chunks, so a page fetches a few modules
rather than dozens.

wasm-split-cli puts every function two or more parts share into a "chunk"
per set of parts that need it: with eight parts the report form needs 29
chunks besides its own module, most of them a few hundred bytes. Each is a
request, a compilation and an instantiation of its own; on a cheap phone
fetching and instantiating those 30 modules was the largest piece of work
before the form could be built (about 40 ms of script on this machine's CPU
unthrottled, four times that on the phone Lighthouse models).

Chunks are merged greedily while a merge makes the parts cheaper in all:
merging two chunks saves each part that needs both one module (priced as
OVERHEAD bytes: a request and an instantiation), and costs each part that
needs only one of them the other's bytes (compressed size), each part's cost
weighted by how much a citizen waits for it (WEIGHT).

The modules can be merged safely because they are all alike: each imports
nothing but the main module's memory, function table and stack pointer (from
"__wasm_split"), exports nothing, and fills its own slots of the table when
it is instantiated; chunks do not depend on one another (the loader fetches
all of a part's chunks itself). binaryen's wasm-merge does the merging; it
links imports to a named module's exports, so a small hub module imports the
three once and exports them, and each chunk imports them from the hub.

Usage: merge-chunks.py SPLIT_DIR (after wasm-split-cli, before wasm-bindgen).
The merged chunk keeps its first member's name; the loader
(SPLIT_DIR/__wasm_split.js) is rewritten to fetch it in their place.
"""

import os
import re
import subprocess
import sys
import tempfile
import zlib

from wasm_binary import encoded, import_end, leb, name_at, sections

# What one module costs a page besides its bytes, in bytes of the chunks as
# the splitter writes them, zlib-compressed: a request (headers both ways, a
# round trip when the connections are busy) and a compilation and an
# instantiation on the phone. Chosen by building with several (brotli bytes
# of each page as served, `bench/bundle.sh`): at 1200 the form fetches 14
# modules; at 3000, 10, and every page is smaller than at 1200 (merged
# chunks compress better than apart); at 5000, 8, but `/lapor` and `/peta`
# grow by about 1 KB.
OVERHEAD = 3000
# How much each part's cost counts. The pages a citizen opens (the form,
# tracking, the videos, the map, the figures) count in full; the parts that
# arrive in the background, after a page is up (the form's later steps,
# the outbox, "my reports"' refresh, English), count a quarter: a merge that
# adds to them to spare a page a module is worth it, the other way not.
WEIGHT = {"steps": 0.25, "outbox": 0.25, "mine": 0.25, "english": 0.25}
SPLIT_MODULE = "__wasm_split"
HUB = "__wasm_hub__"
FEATURES = [
    "--enable-bulk-memory", "--enable-nontrapping-float-to-int", "--enable-sign-ext",
    "--enable-mutable-globals", "--enable-reference-types", "--enable-multivalue",
]

CHUNK_DEF = re.compile(
    r'/\* [^*]* \*/\nconst __(chunk_\d+) = makeLoad\(\(\) => \{\n'
    r'    const src = fetch\(new URL\("\./\1\.wasm", import\.meta\.url\)\);\n'
    r'(?:.*\n)*?, \[(?P<deps>[^\]]*)\]\);\n')
PART_DEPS = re.compile(r'(export const __wasm_split_load_(\w+) = wrapAsyncCb\(makeLoad\(\(\) => \{\n(?:.*\n)*?, \[)([^\]]*)(\]\)\);)')


# Value types of a global, as binaryen's text format names them.
VALUE_TYPES = {0x7F: "i32", 0x7E: "i64", 0x7D: "f32", 0x7C: "f64"}


def import_from_hub(path):
    """Makes each import of `path` come from the hub instead, in place; what
    the hub must offer in their place: {name: (kind, minimum size or, for a
    global, its type)}, e.g. "memory": ("memory", 17)."""
    wanted = {}

    def rewrite(section, body):
        if section != 2:
            return body
        count, k = leb(body, 0)
        out = bytearray(body[:k])
        for _ in range(count):
            module, k = name_at(body, k)
            if module != SPLIT_MODULE:
                sys.exit(f"merge-chunks: {path} imports from {module}, not only from {SPLIT_MODULE}")
            name, after = name_at(body, k)  # the field keeps its name
            wanted[name] = offered(path, name, body, after)
            end = import_end(body, after)
            out += encoded(HUB) + body[k:end]
            k = end
        return bytes(out)

    with open(path, "rb") as f:
        wasm = f.read()
    with open(path, "wb") as f:
        f.write(sections(wasm, rewrite))
    return wanted


def offered(path, name, body, k):
    """What the hub must export for the import `name` described at `k`."""
    kind = body[k]
    if kind == 2:  # a memory: its limits' flags, then its minimum
        return "memory", leb(body, leb(body, k + 1)[1])[0]
    if kind == 1:  # a table: its element type, its limits' flags, its minimum
        return "table", leb(body, leb(body, k + 2)[1])[0]
    if kind == 3 and body[k + 1] in VALUE_TYPES:  # a global: its value type and mutability
        value = VALUE_TYPES[body[k + 1]]
        return "global", f"(mut {value})" if body[k + 2] else value
    sys.exit(f"merge-chunks: {path} imports {name} of kind {kind}; the hub offers memories, tables and globals")


def hub_module(wanted):
    """The text of a module that imports what the members want from the main
    module once, and exports it to them."""
    lines = []
    for index, (name, offers) in enumerate(sorted(wanted.items())):
        kind = offers[0][0]
        if kind in ("memory", "table"):
            # The largest minimum any member asks for (all are the main module's).
            tail = " funcref" if kind == "table" else ""
            decl = f"({kind} $i{index} {max(minimum for _, minimum in offers)}{tail})"
        else:
            decl = f"(global $i{index} {offers[0][1]})"
        lines.append(f'(import "{SPLIT_MODULE}" "{name}" {decl})')
        lines.append(f'(export "{name}" ({kind} $i{index}))')
    return "(module\n" + "\n".join(lines) + "\n)\n"


def merge(paths, binaryen, work):
    """Merges the chunks at `paths` into the first of them (through a hub)."""
    wanted = {}
    for path in paths:
        for name, offer in import_from_hub(path).items():
            wanted.setdefault(name, []).append(offer)
    hub_wat = os.path.join(work, "hub.wat")
    hub = os.path.join(work, "hub.wasm")
    with open(hub_wat, "w") as f:
        f.write(hub_module(wanted))
    subprocess.run([os.path.join(binaryen, "wasm-as"), *FEATURES, hub_wat, "-o", hub], check=True)
    args = [hub, HUB]
    for n, path in enumerate(paths):
        args += [path, f"m{n}"]
    merged = os.path.join(work, "merged.wasm")
    # (-g keeps function names, for bench/wasm-pieces.py; wasm-opt drops them later.)
    result = subprocess.run([os.path.join(binaryen, "wasm-merge"), *FEATURES, "-g", *args, "-o", merged],
                            capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"merge-chunks: wasm-merge failed on {', '.join(paths)}:\n{result.stderr}")
    os.replace(merged, paths[0])
    for path in paths[1:]:
        os.remove(path)


def groups_of(chunks, users, size):
    """Greedy merging: the pair whose merge lowers the parts' total cost most,
    until no merge lowers it."""
    def weight(parts):
        return sum(WEIGHT.get(p, 1.0) for p in parts)

    groups = [([c], set(users[c]), size[c]) for c in chunks]
    while True:
        best = None
        for a in range(len(groups)):
            for b in range(a + 1, len(groups)):
                (_, ua, sa), (_, ub, sb) = groups[a], groups[b]
                delta = -OVERHEAD * weight(ua & ub) + sb * weight(ua - ub) + sa * weight(ub - ua)
                if delta < 0 and (best is None or delta < best[0]):
                    best = (delta, a, b)
        if best is None:
            return [g[0] for g in groups]
        _, a, b = best
        (ma, ua, sa), (mb, ub, sb) = groups[a], groups[b]
        groups[a] = (ma + mb, ua | ub, sa + sb)
        del groups[b]


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: merge-chunks.py SPLIT_DIR")
    split_dir = sys.argv[1]
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    binaryen = os.path.join(root, "node_modules", ".bin")
    loader_path = os.path.join(split_dir, "__wasm_split.js")
    loader = open(loader_path).read()

    chunks = {}
    for m in CHUNK_DEF.finditer(loader):
        if m.group("deps").strip():
            sys.exit(f"merge-chunks: {m.group(1)} depends on other chunks, which this script does not expect")
        chunks[m.group(1)] = m
    users = {c: set() for c in chunks}
    for m in PART_DEPS.finditer(loader):
        for dep in m.group(3).split(","):
            dep = dep.strip()
            if dep:
                users[dep.removeprefix("__")].add(m.group(2))
    if not chunks or loader.count("makeLoad(() =>") != len(chunks) + sum(1 for _ in PART_DEPS.finditer(loader)):
        sys.exit("merge-chunks: the loader's form changed (see CHUNK_DEF and PART_DEPS)")

    size = {c: len(zlib.compress(open(os.path.join(split_dir, c + ".wasm"), "rb").read(), 9)) for c in chunks}
    order = sorted(chunks, key=lambda c: int(c.split("_")[1]))
    groups = [g for g in groups_of(order, users, size) if len(g) > 1]

    renamed = {}
    with tempfile.TemporaryDirectory() as work:
        for group in groups:
            group.sort(key=lambda c: int(c.split("_")[1]))
            merge([os.path.join(split_dir, c + ".wasm") for c in group], binaryen, work)
            for c in group[1:]:
                renamed[c] = group[0]

    # The loader: members' definitions go, their dependents name the merged chunk.
    for c in renamed:
        loader = loader.replace(chunks[c].group(0), "", 1)

    def redirect(m):
        deps = []
        for dep in (d.strip() for d in m.group(3).split(",")):
            if dep:
                dep = "__" + renamed.get(dep.removeprefix("__"), dep.removeprefix("__"))
                if dep not in deps:
                    deps.append(dep)
        return m.group(1) + ", ".join(deps) + m.group(4)

    loader = PART_DEPS.sub(redirect, loader)
    open(loader_path, "w").write(loader)
    left = len(chunks) - len(renamed)
    print(f"merge-chunks: {len(chunks)} shared chunks -> {left} ({len(groups)} merged groups)", file=sys.stderr)


if __name__ == "__main__":
    main()
