#!/usr/bin/env python3
"""Trims what wasm-bindgen's glue and the WebAssembly say to each other.

1. Takes the JavaScript classes of wasm-streams out of the app's glue.

Leptos always depends on its server functions' browser client, which brings
wasm-streams; wasm-streams exports three classes to JavaScript
(`IntoUnderlyingSource`, `IntoUnderlyingByteSource`, `IntoUnderlyingSink`),
and an export is kept by every tool after it however unused. The portal
calls no server function, so nothing ever makes one of these objects: this
removes the classes from wasm-bindgen's glue and their functions from the
WebAssembly's exports, and wasm-opt (run next) then drops the code behind
them (measured: 1.2 KB brotli of WebAssembly, 0.5 KB of JavaScript, on `/`).

A glue that still names one of them after this (a new version that uses
them from elsewhere) fails the build rather than break the page.

2. Gives the names the two halves call each other by one or two letters.
wasm-bindgen names each import `__wbg_<method>_<16 hex digits>` and the
splitter keeps closure invokers under their mangled Rust names; each name is
written twice, in the module and in the glue, and hex digits do not
compress: on `/` they cost 8.5 KB brotli of the 110 KB a phone first
downloads. Only names private to the pair change: the exports other scripts
use (`__wbindgen_start`, `memory`, the splitter's table) keep theirs.

usage: trim-glue.py <glue.js> <module_bg.wasm>
"""

from __future__ import annotations

import re
import string
import sys
from collections.abc import Iterator

from wasm_binary import encoded, import_end, leb, name_at, sections, uleb

CLASSES = ("IntoUnderlyingByteSource", "IntoUnderlyingSink", "IntoUnderlyingSource")


def exports(body: bytes) -> Iterator[tuple[str, bytes]]:
    """Each entry of an export section: its name, and the rest (kind, index)."""
    count, k = leb(body, 0)
    for _ in range(count):
        name, k = name_at(body, k)
        _, end = leb(body, k + 1)
        yield name, body[k:end]
        k = end


def drop_exports(wasm: bytes, unwanted: re.Pattern[str]) -> tuple[bytes, int]:
    """The module without the exports whose names match."""
    dropped = 0

    def rewrite(section: int, body: bytes) -> bytes:
        nonlocal dropped
        if section != 7:
            return body
        kept = []
        for name, rest in exports(body):
            if unwanted.fullmatch(name):
                dropped += 1
            else:
                kept.append(encoded(name) + rest)
        return uleb(len(kept)) + b"".join(kept)

    return sections(wasm, rewrite), dropped


def short_names() -> Iterator[str]:
    """a … Z, then two characters; never a JavaScript keyword."""
    letters = string.ascii_letters
    yield from letters
    for first in letters:
        for second in letters + string.digits:
            if first + second not in ("do", "if", "in"):
                yield first + second


def shorten(wasm: bytes, glue: str) -> tuple[bytes, str]:
    """The module and glue with short names for wasm-bindgen's imports (and
    their module) and for the exports named after mangled Rust paths."""
    names, renamed, module = short_names(), {}, None

    def rewrite(section: int, body: bytes) -> bytes:
        nonlocal module
        entries = bytearray()
        if section == 2:
            count, k = leb(body, 0)
            for _ in range(count):
                source, k = name_at(body, k)
                field, k = name_at(body, k)
                end = import_end(body, k)
                # wasm-bindgen's own module; the splitter's loader keeps its names.
                if source.endswith("_bg.js"):
                    module = source
                    source = "w"
                    field = renamed.setdefault(field, next(names))
                entries += encoded(source) + encoded(field) + body[k:end]
                k = end
            return uleb(count) + bytes(entries)
        if section == 7:
            count = 0
            for field, rest in exports(body):
                if field in renamed:
                    sys.exit(f"trim-glue: {field} is both imported and exported")
                if field.startswith("_R"):
                    field = renamed.setdefault(field, next(names))
                entries += encoded(field) + rest
                count += 1
            return uleb(count) + bytes(entries)
        return body

    wasm = sections(wasm, rewrite)
    if module is None:
        sys.exit("trim-glue: the module imports nothing from wasm-bindgen's glue")
    for old, new in renamed.items():
        glue, found = re.subn(r"(?<![\w$])%s(?![\w$])" % re.escape(old), new, glue)
        if not found:
            sys.exit(f"trim-glue: the glue never names {old}")
    glue, found = re.subn(r"""(["'])%s\1""" % re.escape(module), '"w"', glue)
    if not found:
        sys.exit(f"trim-glue: the glue never names the module {module}")
    return wasm, glue


def without_streams(wasm: bytes, glue: str) -> tuple[bytes, str]:
    """The module and glue without wasm-streams' classes (if the glue has them)."""
    present = [c for c in CLASSES if f"export class {c} " in glue]
    if not present:
        return wasm, glue
    for c in present:
        # wasm-bindgen writes each top-level statement from column 0.
        glue = re.sub(r"^export class %s \{\n.*?^\}\n" % c, "", glue, count=1, flags=re.S | re.M)
        glue = re.sub(r"^if \(Symbol\.dispose\) %s\.prototype.*\n" % c, "", glue, count=1, flags=re.M)
        glue = re.sub(r"^const %sFinalization = .*?;\n" % c, "", glue, count=1, flags=re.S | re.M)
    left = re.findall(r"(?i)\b\w*intounderlying\w*", glue)
    if left:
        sys.exit(f"trim-glue: the glue still uses {sorted(set(left))}; leave those classes in")
    unwanted = re.compile(r"(__wbg_)?(%s)_\w+" % "|".join(c.lower() for c in present))
    wasm, dropped = drop_exports(wasm, unwanted)
    if dropped == 0:
        sys.exit("trim-glue: the module exports none of the classes' functions")
    return wasm, glue


def main() -> None:
    glue_path, wasm_path = sys.argv[1:]
    glue = open(glue_path, encoding="utf-8").read()
    wasm = open(wasm_path, "rb").read()
    wasm, glue = shorten(*without_streams(wasm, glue))
    open(glue_path, "w", encoding="utf-8").write(glue)
    open(wasm_path, "wb").write(wasm)


if __name__ == "__main__":
    main()
