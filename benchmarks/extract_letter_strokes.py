"""Write data/letter-strokes.json.gz: letters as stroke lists from the public Hershey fonts, once, for good.

The non-digit drawings are made from these strokes, not from a library's text rendering (OpenCV 5 draws its
"script" fonts as sans letters), so they look the same whatever is installed. To write the file again:
`pip install Hershey-Fonts==2.1.0 && python -m benchmarks.extract_letter_strokes`.
"""

import gzip
import json
import string
from pathlib import Path

# Hershey fonts kept, by the hand they resemble: print (single stroke and serif), joined-up script, Greek,
# Japanese kana, and symbols (small pictures and maths signs).
FONTS = {"futural": "print", "rowmans": "print", "timesr": "print", "scripts": "script", "cursive": "script",
         "scriptc": "script", "greek": "greek", "japanese": "kana", "symbolic": "symbols", "mathlow": "symbols"}
# Of these fonts, only the glyphs on these keys are kept. Left out: kana that look like digits or brackets
# (し く こ つ て ろ る ら ち そ い り う ん へ の ぐ) and the font's empty boxes; symbols that are held-out shapes or
# doodles (circle, square, triangles, star, heart, diamond, boat, arrows), look like digits (§, wavy lines,
# brackets, bars, a lone "+" or "x") or are a Greek letter (the "∧" of Λ); Latin letters of the maths font.
KEPT_GLYPHS = {"japanese": "abcdfghlnoqrxyADEFGIKMNPUVWXZ",  # hiragana: む め も や ゆ え よ れ わ ゐ ゑ を が ...
               "symbolic": "abcdehmpxyzFVXYZ",  # bell, palm, fir, trees, clover, spade, club, ff, flag, anchor, ...
               "mathlow": "bdefghvxz"}  # √ ⊂ ∪ ⊃ ∩ ∈ ℵ ÷ ⊥
OUTPUT = Path(__file__).resolve().parent.parent / "data" / "letter-strokes.json.gz"


def extract_fonts() -> dict:
    """{font: {"hand": ..., "letters": {letter: [[[x, y], ...], ...]}}} in font units, y down."""
    from HersheyFonts import HersheyFonts

    fonts = HersheyFonts()
    extracted = {}
    for name, hand in FONTS.items():
        fonts.load_default_font(name)
        letters = {}
        for letter in KEPT_GLYPHS.get(name, string.ascii_letters):
            strokes = [[[int(x), int(y)] for x, y in stroke] for stroke in fonts.strokes_for_text(letter)]
            if strokes:
                letters[letter] = strokes
        extracted[name] = {"hand": hand, "letters": letters}
    return extracted


if __name__ == "__main__":
    with gzip.open(OUTPUT, "wt", encoding="utf-8") as file:
        json.dump({"source": "Hershey fonts (A. V. Hershey, 1967, public domain), via Hershey-Fonts 2.1.0 (MIT)",
                   "fonts": extract_fonts()}, file, separators=(",", ":"))
    print(f"wrote {OUTPUT} ({OUTPUT.stat().st_size} bytes)")
