#!/usr/bin/env python3
"""Checks one lantern-help frame: the PPM is not blank, and the accessibility tree has what the
arguments ask for, drawn where the tree says (dark text pixels inside the node's rectangle)."""
import argparse
import json
import sys


def load_ppm(path):
    data = open(path, "rb").read()
    parts = data.split(b"\n", 3)
    if parts[0] != b"P6":
        sys.exit(f"{path}: not a binary PPM")
    w, h = map(int, parts[1].split())
    return w, h, parts[3]


def ink(px, w, h, rect):
    """Share of pixels in rect that are clearly darker than the white background."""
    x, y, rw, rh = (int(v) for v in rect)
    dark = total = 0
    for yy in range(max(0, y), min(h, y + rh)):
        row = yy * w * 3
        for xx in range(max(0, x), min(w, x + rw)):
            r, g, b = px[row + xx * 3: row + xx * 3 + 3]
            total += 1
            dark += (r + g + b) < 600
    return dark / total if total else 0.0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("ppm")
    ap.add_argument("tree")
    ap.add_argument("--textbox", action="append", default=[])
    ap.add_argument("--button", action="append", default=[])
    ap.add_argument("--combobox", action="append", default=[])
    ap.add_argument("--heading")
    ap.add_argument("--heading-level", type=int)
    ap.add_argument("--alert")
    ap.add_argument("--text")
    ap.add_argument("--links", type=int)
    ap.add_argument("--link-matching")
    a = ap.parse_args()
    w, h, px = load_ppm(a.ppm)
    colours = {px[i:i + 3] for i in range(0, len(px), 3 * 97)}
    if len(colours) < 5:
        sys.exit(f"{a.ppm}: the frame is blank ({len(colours)} colours)")
    tree = json.load(open(a.tree, encoding="utf-8"))
    nodes = tree["nodes"]

    def find(role, pred, what):
        for n in nodes:
            if n["role"] == role and pred(n):
                return n
        sys.exit(f"{a.tree}: no {role} {what}; nodes: " + ", ".join(f"{n['role']}:{n['name'][:30]}" for n in nodes[:40]))

    def drawn(n, min_ink=0.01):
        if n.get("fixed") or n["rect"][1] < h:  # only what is on screen
            share = ink(px, w, h, n["rect"])
            if share < min_ink:
                sys.exit(f"{a.ppm}: nothing drawn where the tree puts {n['role']} '{n['name']}' {n['rect']} (ink {share:.4f})")

    for t in a.textbox:
        find("textbox", lambda n: n["name"] == t, f"named '{t}'")
    for c in a.combobox:
        drawn(find("combobox", lambda n: n["name"] == c, f"named '{c}'"))
    for b in a.button:
        drawn(find("button", lambda n: n["name"] == b, f"named '{b}'"))
    if a.heading:
        drawn(find("heading", lambda n: n["name"] == a.heading, f"named '{a.heading}'"))
    if a.heading_level:
        drawn(find("heading", lambda n: n.get("level") == a.heading_level, f"of level {a.heading_level}"))
    if a.alert:
        drawn(find("alert", lambda n: a.alert in n["name"], f"saying '{a.alert}'"))
    if a.text:
        find("text", lambda n: a.text in n["name"], f"saying '{a.text}'")
    links = [n for n in nodes if n["role"] == "link"]
    if a.links is not None:
        if a.links == 0 and links:
            sys.exit(f"{a.tree}: expected no links, found {len(links)}")
        if len(links) < a.links:
            sys.exit(f"{a.tree}: expected at least {a.links} links, found {len(links)}")
        if links:
            drawn(links[0])
    if a.link_matching:
        find("link", lambda n: a.link_matching.lower() in n["name"].lower(), f"matching '{a.link_matching}'")
    print(f"{a.ppm}: {w}x{h}, {len(nodes)} nodes, {len(links)} links: ok")


if __name__ == "__main__":
    main()
