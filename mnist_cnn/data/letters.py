"""Letters as a hand would draw them, from stroke data of our own (Hershey fonts), never from a text renderer."""

import functools
import gzip
import json

import numpy as np

from mnist_cnn import config

# Letters that look like digits (O like 0, I and l like 1, S like 5, Z like 2, B like 8, g and q like 9, ...)
# are not outliers: a network may rightly read them as digits.
DIGIT_LIKE_LETTERS = set("OoQDIiLlJjSsZzBbGgqyTt")
# Greek letters (keyed by the Latin letter the font puts them on) that look like digits: omicron, iota, zeta,
# beta, tau, upsilon, theta (like 0 or 8), xi, varsigma, delta (like 6 or 8), nu (like v) kept anyway.
DIGIT_LIKE_GREEK = set("OoIiZzBbTtYyQqCcDdEePp")
# The letters left out of each hand; the kana and symbols fonts hold only glyphs unlike digits already (see
# benchmarks/extract_letter_strokes.py), so nothing more is left out of them.
EXCLUDED_BY_HAND = {"greek": DIGIT_LIKE_GREEK, "kana": set(), "symbols": set()}
# Fonts whose hand is named apart from their file's: one script font is trained on as "cursive", and the two
# others stay held out as "script".
HAND_OF_FONT = {"cursive": "cursive"}


@functools.cache
def load_letter_fonts() -> dict:
    """{font: {"hand": "print" | "script" | "cursive" | "greek" | "kana" | "symbols", "letters": {letter: strokes}}}."""
    with gzip.open(config.LETTER_STROKES_PATH, "rt", encoding="utf-8") as file:
        fonts = json.load(file)["fonts"]
    return {name: {"hand": HAND_OF_FONT.get(name, font["hand"]),
                   "letters": {letter: [np.asarray(stroke, dtype=np.float64) for stroke in strokes]
                               for letter, strokes in font["letters"].items()}}
            for name, font in fonts.items()}


def list_letters(hand: str) -> list[tuple[str, str]]:
    """(font, letter) pairs of one hand that do not look like digits."""
    excluded = EXCLUDED_BY_HAND.get(hand, DIGIT_LIKE_LETTERS)
    pairs = [(name, letter) for name, font in load_letter_fonts().items() if font["hand"] == hand
             for letter in font["letters"] if letter not in excluded]
    if not pairs:
        raise ValueError(f"No letters of the hand {hand!r}; the hands are print, script, cursive, greek, "
                         "kana and symbols.")
    return pairs


def make_letter(hand: str, rng: np.random.Generator) -> list[np.ndarray]:
    """The strokes of a random letter of one hand (font units, y down)."""
    pairs = list_letters(hand)
    font, letter = pairs[int(rng.integers(len(pairs)))]
    return [stroke.copy() for stroke in load_letter_fonts()[font]["letters"][letter]]
