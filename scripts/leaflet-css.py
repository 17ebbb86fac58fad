#!/usr/bin/env python3
"""Leaflet's style sheet without the rules of what the basic build
(app/leaflet.js) leaves out: popups, tooltips, the layers control and box
zoom. The form's map and Konsol 112's load this one; the public map, whose
build has popups and tooltips, loads Leaflet's whole sheet.

Leaflet's sheet is flat rules and one @media block; a selector list keeps the
selectors that name none of those parts, and a rule with none left goes.

Usage: leaflet-css.py LEAFLET_CSS > BASIC_CSS (minified afterwards).
"""

import re
import sys

LEFT_OUT = ("leaflet-popup", "leaflet-tooltip", "leaflet-control-layers", "leaflet-zoom-box")


def blocks(css):
    """(prelude, body) of each top-level block, bodies without their braces."""
    out, depth, start, prelude = [], 0, 0, ""
    for i, c in enumerate(css):
        if c == "{":
            if depth == 0:
                prelude, start = css[start:i].strip(), i + 1
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                out.append((prelude, css[start:i]))
                start = i + 1
            elif depth < 0:
                sys.exit("leaflet-css: unbalanced braces")
    if depth or css[start:].strip():
        sys.exit("leaflet-css: the style sheet does not end where its last rule does")
    return out


def trimmed(css):
    rules = []
    for prelude, body in blocks(css):
        if prelude.startswith("@"):
            inner = trimmed(body)
            if inner:
                rules.append(f"{prelude} {{\n{inner}\n}}")
            continue
        selectors = [s.strip() for s in prelude.split(",")]
        kept = [s for s in selectors if not any(part in s for part in LEFT_OUT)]
        if kept:
            rules.append(f"{', '.join(kept)} {{{body}}}")
    return "\n".join(rules)


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: leaflet-css.py LEAFLET_CSS")
    css = re.sub(r"/\*.*?\*/", "", open(sys.argv[1], encoding="utf-8").read(), flags=re.S)
    sys.stdout.write(trimmed(css) + "\n")


if __name__ == "__main__":
    main()
