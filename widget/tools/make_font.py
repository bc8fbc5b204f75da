#!/usr/bin/python3
"""Builds the widget's font: a subset of WenQuanYi Micro Hei (face 0 of the .ttc) holding printable
ASCII, common punctuation, every character of the given text folders (articles, forms, UI strings)
and, optionally, Dear ImGui's ChineseSimplifiedCommon ideographs (so users can type common words that
are not in the bundle).

usage: make_font.py OUT.ttf TTC IMGUI_DRAW_CPP [--common] DIR...
Runs under /usr/bin/python3, the only Python with fontTools on Debian.
"""
import os
import re
import subprocess
import sys
import tempfile


def common_ideographs(imgui_draw_cpp):
    src = open(imgui_draw_cpp, encoding="utf-8").read()
    # The first table after GetGlyphRangesChineseSimplifiedCommon (the second one is Japanese).
    at = src.index("GetGlyphRangesChineseSimplifiedCommon")
    m = re.search(r"accumulative_offsets_from_0x4E00\[\]\s*=\s*\{([^}]*)\}", src[at:])
    code = 0x4E00
    out = []
    for n in m.group(1).replace("\n", "").split(","):
        n = n.strip()
        if not n:
            continue
        code += int(n)
        out.append(chr(code))
    return out


def main():
    args = sys.argv[1:]
    out, ttc, imgui_draw = args[0], args[1], args[2]
    rest = args[3:]
    common = "--common" in rest
    dirs = [d for d in rest if d != "--common"]
    chars = set(chr(c) for c in range(0x20, 0x7F))
    chars.update("•·—–…“”‘’«»€£¥©®×÷°±→←↑↓✓✕")
    chars.update("，。、；：？！「」『』（）【】《》〈〉…—～·％＃＠＋－＝／")
    for d in dirs:
        for root, _, files in os.walk(d):
            for f in files:
                if f.endswith((".md", ".json", ".txt", ".jsonl")):
                    with open(os.path.join(root, f), encoding="utf-8") as fh:
                        chars.update(c for c in fh.read() if ord(c) >= 0x20)
    if common:
        chars.update(common_ideographs(imgui_draw))
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", suffix=".txt", delete=False) as t:
        t.write("".join(sorted(chars)))
        text_file = t.name
    try:
        subprocess.run([sys.executable, "-m", "fontTools.subset", ttc, "--font-number=0",
                        "--text-file=" + text_file, "--output-file=" + out, "--no-hinting",
                        "--layout-features=", "--drop-tables+=DSIG,GSUB,GPOS,GDEF"], check=True)
    finally:
        os.unlink(text_file)
    print("make_font: %d characters -> %s (%d bytes)" % (len(chars), out, os.path.getsize(out)))


if __name__ == "__main__":
    main()
