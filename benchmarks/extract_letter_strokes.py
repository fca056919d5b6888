"""Write data/letter-strokes.json.gz: letters as stroke lists from the public Hershey fonts, once, for good.

The non-digit drawings are made from these strokes, not from a library's text rendering (OpenCV 5 draws its
"script" fonts as sans letters), so they look the same whatever is installed. To write the file again:
`pip install Hershey-Fonts==2.1.0 && python -m benchmarks.extract_letter_strokes`.
"""

import gzip
import json
import string
from pathlib import Path

# Hershey fonts kept, by the hand they resemble: print (single stroke and serif) and joined-up script.
FONTS = {"futural": "print", "rowmans": "print", "timesr": "print", "scripts": "script", "cursive": "script",
         "scriptc": "script", "greek": "greek"}
OUTPUT = Path(__file__).resolve().parent.parent / "data" / "letter-strokes.json.gz"


def extract_fonts() -> dict:
    """{font: {"hand": ..., "letters": {letter: [[[x, y], ...], ...]}}} in font units, y down."""
    from HersheyFonts import HersheyFonts

    fonts = HersheyFonts()
    extracted = {}
    for name, hand in FONTS.items():
        fonts.load_default_font(name)
        letters = {}
        for letter in string.ascii_letters:
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
