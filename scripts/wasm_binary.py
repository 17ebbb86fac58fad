"""Reading and rewriting WebAssembly binaries, for the build's post-processing
(`trim-glue.py`, `merge-chunks.py`) and the bench (`bench/wasm-pieces.py`):
the few pieces of the format they need, so none of them needs a parser of its
own (https://webassembly.github.io/spec/core/binary/)."""

from __future__ import annotations

import sys
from collections.abc import Callable


def leb(data: bytes, i: int) -> tuple[int, int]:
    """An unsigned LEB128 at `i`: (value, next index)."""
    value = shift = 0
    while True:
        b = data[i]
        i += 1
        value |= (b & 0x7F) << shift
        shift += 7
        if b < 0x80:
            return value, i


def uleb(value: int) -> bytes:
    """`value` as an unsigned LEB128."""
    out = bytearray()
    while True:
        b = value & 0x7F
        value >>= 7
        if value:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def sections(wasm: bytes, rewrite: Callable[[int, bytes], bytes]) -> bytes:
    """The module with each section's contents passed through `rewrite(id, contents)`."""
    out, i = bytearray(wasm[:8]), 8
    while i < len(wasm):
        section = wasm[i]
        size, start = leb(wasm, i + 1)
        body = rewrite(section, wasm[start:start + size])
        out += bytes([section]) + uleb(len(body)) + body
        i = start + size
    return bytes(out)


def name_at(data: bytes, i: int) -> tuple[str, int]:
    """A WebAssembly name (length, UTF-8) at `i`: (name, next index)."""
    length, i = leb(data, i)
    return data[i:i + length].decode(), i + length


def encoded(name: str) -> bytes:
    """`name` as a WebAssembly name (length, UTF-8)."""
    raw = name.encode()
    return uleb(len(raw)) + raw


def import_end(body: bytes, k: int) -> int:
    """The end of an import's description (its kind, then its type) at `k`."""
    kind = body[k]
    k += 1
    if kind == 0:  # a function: its type index
        _, k = leb(body, k)
    elif kind == 1:  # a table: its element type, then its limits
        k += 1
        flags, k = leb(body, k)
        _, k = leb(body, k)
        if flags & 1:
            _, k = leb(body, k)
    elif kind == 2:  # a memory: its limits
        flags, k = leb(body, k)
        _, k = leb(body, k)
        if flags & 1:
            _, k = leb(body, k)
    elif kind == 3:  # a global: its type and mutability
        k += 2
    else:
        sys.exit(f"{sys.argv[0]}: an import of unknown kind {kind}")
    return k
