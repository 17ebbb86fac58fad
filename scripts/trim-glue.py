#!/usr/bin/env python3
"""Takes the JavaScript classes of wasm-streams out of the app's glue.

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

usage: trim-glue.py <glue.js> <module_bg.wasm>
"""

from __future__ import annotations

import re
import sys

CLASSES = ("IntoUnderlyingByteSource", "IntoUnderlyingSink", "IntoUnderlyingSource")


def leb(data: bytes, i: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        b = data[i]
        i += 1
        value |= (b & 0x7F) << shift
        shift += 7
        if b < 0x80:
            return value, i


def uleb(value: int) -> bytes:
    out = bytearray()
    while True:
        b = value & 0x7F
        value >>= 7
        if value:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def drop_exports(wasm: bytes, unwanted: re.Pattern[str]) -> tuple[bytes, int]:
    """The module without the exports whose names match (section 7 rewritten)."""
    out, i, dropped = bytearray(wasm[:8]), 8, 0
    while i < len(wasm):
        section = wasm[i]
        size, start = leb(wasm, i + 1)
        body = wasm[start:start + size]
        if section == 7:
            count, k = leb(body, 0)
            kept = []
            for _ in range(count):
                entry = k
                length, k = leb(body, k)
                name = body[k:k + length].decode()
                k += length + 1  # the name, then the export's kind
                _, k = leb(body, k)  # its index
                if unwanted.fullmatch(name):
                    dropped += 1
                else:
                    kept.append(body[entry:k])
            body = uleb(len(kept)) + b"".join(kept)
        out += bytes([section]) + uleb(len(body)) + body
        i = start + size
    return bytes(out), dropped


def main() -> None:
    glue_path, wasm_path = sys.argv[1:]
    glue = open(glue_path, encoding="utf-8").read()
    present = [c for c in CLASSES if f"export class {c} " in glue]
    if not present:
        return
    for c in present:
        # wasm-bindgen writes each top-level statement from column 0.
        glue = re.sub(r"^export class %s \{\n.*?^\}\n" % c, "", glue, count=1, flags=re.S | re.M)
        glue = re.sub(r"^if \(Symbol\.dispose\) %s\.prototype.*\n" % c, "", glue, count=1, flags=re.M)
        glue = re.sub(r"^const %sFinalization = .*?;\n" % c, "", glue, count=1, flags=re.S | re.M)
    left = re.findall(r"(?i)\b\w*intounderlying\w*", glue)
    if left:
        sys.exit(f"trim-glue: the glue still uses {sorted(set(left))}; leave those classes in")
    unwanted = re.compile(r"(__wbg_)?(%s)_\w+" % "|".join(c.lower() for c in present))
    wasm, dropped = drop_exports(open(wasm_path, "rb").read(), unwanted)
    if dropped == 0:
        sys.exit("trim-glue: the module exports none of the classes' functions")
    open(glue_path, "w", encoding="utf-8").write(glue)
    open(wasm_path, "wb").write(wasm)


if __name__ == "__main__":
    main()
