// A small, strict TOML reader for the video scripts and the city file.
//
// Node has no TOML parser and the generator should not need a package for
// one, so this reads the part of TOML those files use: comments, `key = value`
// with bare or quoted keys, `[table]` and `[[array of tables]]` headers,
// basic and literal strings, integers, floats, booleans, arrays (which may
// span lines) and inline tables. Anything else is refused with the file and
// line, never guessed at.

import { Problem } from "./problem.mjs";

/** A problem in a TOML file, with where it is. */
export class TomlError extends Problem {}

/**
 * Parses TOML text; `file` is only used in messages.
 * @returns {Record<string, unknown>}
 */
export function parseToml(text, file = "(toml)") {
  const root = {};
  let table = root;
  let pos = 0;
  let line = 1;

  const fail = (message) => {
    throw new TomlError(`${file}:${line}: ${message}`);
  };
  const peek = () => text[pos];
  const skipSpaces = () => {
    while (pos < text.length && (text[pos] === " " || text[pos] === "\t")) pos++;
  };
  const skipComment = () => {
    if (text[pos] === "#") while (pos < text.length && text[pos] !== "\n") pos++;
  };
  /** Spaces, comments and line breaks (inside arrays). */
  const skipBlank = () => {
    for (;;) {
      skipSpaces();
      skipComment();
      if (text[pos] === "\r" && text[pos + 1] === "\n") pos++;
      if (text[pos] === "\n") {
        pos++;
        line++;
      } else return;
    }
  };
  const endOfLine = () => {
    skipSpaces();
    skipComment();
    if (text[pos] === "\r") pos++;
    if (pos < text.length && text[pos] !== "\n") fail(`unexpected ${JSON.stringify(text[pos])} after the value`);
    pos++;
    line++;
  };

  const basicString = () => {
    pos++; // opening quote
    if (text.startsWith('""', pos)) fail("multi-line strings are not supported here: use one line");
    let out = "";
    for (;;) {
      const c = text[pos++];
      if (c === undefined || c === "\n") fail("unterminated string");
      if (c === '"') return out;
      if (c !== "\\") {
        out += c;
        continue;
      }
      const e = text[pos++];
      const simple = { b: "\b", t: "\t", n: "\n", f: "\f", r: "\r", '"': '"', "\\": "\\" }[e];
      if (simple !== undefined) out += simple;
      else if (e === "u" || e === "U") {
        const n = e === "u" ? 4 : 8;
        const hex = text.slice(pos, pos + n);
        if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== n) fail(`bad escape \\${e}${hex}`);
        out += String.fromCodePoint(parseInt(hex, 16));
        pos += n;
      } else fail(`bad escape \\${e ?? ""}`);
    }
  };
  const literalString = () => {
    pos++;
    if (text.startsWith("''", pos)) fail("multi-line strings are not supported here: use one line");
    const end = text.indexOf("'", pos);
    const nl = text.indexOf("\n", pos);
    if (end < 0 || (nl >= 0 && nl < end)) fail("unterminated string");
    const out = text.slice(pos, end);
    pos = end + 1;
    return out;
  };

  const key = () => {
    skipSpaces();
    const c = peek();
    if (c === '"') return basicString();
    if (c === "'") return literalString();
    const m = /^[A-Za-z0-9_-]+/.exec(text.slice(pos, pos + 200));
    if (!m) fail(`expected a key, found ${JSON.stringify(c ?? "end of file")}`);
    pos += m[0].length;
    skipSpaces();
    return m[0];
  };

  /** A key before '=': dotted keys are not read here. */
  const assignedKey = () => {
    const k = key();
    skipSpaces();
    if (peek() === ".") fail("dotted keys are not supported here: use a [table] or an inline table");
    if (peek() !== "=") fail(`expected '=' after ${k}`);
    pos++;
    return k;
  };

  const value = () => {
    skipSpaces();
    const c = peek();
    if (c === '"') return basicString();
    if (c === "'") return literalString();
    if (c === "[") {
      pos++;
      const out = [];
      for (;;) {
        skipBlank();
        if (peek() === "]") {
          pos++;
          return out;
        }
        out.push(value());
        skipBlank();
        if (peek() === ",") pos++;
        else if (peek() !== "]") fail("expected ',' or ']' in an array");
      }
    }
    if (c === "{") {
      pos++;
      const out = {};
      skipSpaces();
      if (peek() === "}") {
        pos++;
        return out;
      }
      for (;;) {
        const k = assignedKey();
        if (Object.hasOwn(out, k)) fail(`${k} is given twice`);
        out[k] = value();
        skipSpaces();
        if (peek() === ",") {
          pos++;
          continue;
        }
        if (peek() === "}") {
          pos++;
          return out;
        }
        fail("expected ',' or '}' in an inline table (inline tables stay on one line)");
      }
    }
    const m = /^[^\s,\]}#]+/.exec(text.slice(pos, pos + 100));
    if (!m) fail("expected a value");
    const word = m[0];
    pos += word.length;
    if (word === "true") return true;
    if (word === "false") return false;
    const plain = word.replaceAll("_", "");
    if (/^[+-]?(0|[1-9][0-9]*)$/.test(plain)) return Number.parseInt(plain, 10);
    if (/^[+-]?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$/.test(plain)) return Number.parseFloat(plain);
    return fail(`${JSON.stringify(word)} is not a value this reader knows (strings need quotes)`);
  };

  const tableAt = (path, isArray) => {
    let t = root;
    for (const [i, k] of path.entries()) {
      const last = i === path.length - 1;
      if (last && isArray) {
        if (t[k] === undefined) t[k] = [];
        if (!Array.isArray(t[k])) fail(`${path.join(".")} is not an array of tables`);
        const next = {};
        t[k].push(next);
        return next;
      }
      if (t[k] === undefined) t[k] = {};
      else if (last) fail(`[${path.join(".")}] is defined twice`);
      t = Array.isArray(t[k]) ? t[k].at(-1) : t[k];
      if (typeof t !== "object" || t === null) fail(`${path.join(".")} is not a table`);
    }
    return t;
  };

  while (pos < text.length) {
    skipBlank();
    if (pos >= text.length) break;
    if (peek() === "[") {
      const isArray = text[pos + 1] === "[";
      pos += isArray ? 2 : 1;
      const path = [key()];
      while (peek() === ".") {
        pos++;
        path.push(key());
      }
      if (!text.startsWith(isArray ? "]]" : "]", pos)) fail("unclosed table header");
      pos += isArray ? 2 : 1;
      table = tableAt(path, isArray);
      endOfLine();
      continue;
    }
    const k = assignedKey();
    if (Object.hasOwn(table, k)) fail(`${k} is given twice`);
    table[k] = value();
    endOfLine();
  }
  return root;
}
