"""Non-digit drawings: every kind draws ink, letters come from stroke data, digit-like letters are left out."""

import numpy as np
import pytest

from mnist_cnn.config import CANVAS_SIZE
from mnist_cnn.data import letters as letters_module
from mnist_cnn.data import outliers
from mnist_cnn.data.doodles import DOODLES, make_doodle
from mnist_cnn.data.pendigits import PenDigit

PAIR = [PenDigit(1, "w1", (np.array([[0.0, 0.0], [0.0, 10.0]]),)),
        PenDigit(7, "w1", (np.array([[0.0, 0.0], [8.0, 0.0], [2.0, 10.0]]),))]


@pytest.mark.parametrize("kind", outliers.MEASURED_KINDS + outliers.TRAINED_KINDS)
def test_each_kind_draws_ink_on_the_canvas(kind):
    image = outliers.draw_outlier_of_kind(kind, np.random.default_rng(1), PAIR)
    assert image.shape == (CANVAS_SIZE, CANVAS_SIZE) and image.dtype == np.uint8
    assert (image > 127).mean() > 0.005


@pytest.mark.parametrize("shape", outliers.SHAPES)
def test_every_shape_has_strokes(shape):
    strokes = outliers.make_shape(shape, np.random.default_rng(0))
    assert strokes and all(stroke.ndim == 2 and stroke.shape[1] == 2 for stroke in strokes)


@pytest.mark.parametrize("hand", ["print", "script", "cursive", "greek"])
def test_letters_that_look_like_digits_are_not_outliers(hand):
    letters = {letter for _, letter in letters_module.list_letters(hand)}
    if hand == "greek":  # keyed by the Latin letter the font puts them on: omicron on "o", iota on "i", ...
        assert not letters_module.DIGIT_LIKE_GREEK & letters and len(letters) >= 20
    else:
        assert not set("OISZBgql") & letters and {"A", "K", "M", "W", "x"} <= letters


def test_kana_and_symbols_hold_only_the_glyphs_chosen_as_unlike_digits_and_held_out_kinds():
    """The bundled file keeps exactly the extractor's chosen glyphs of the kana and symbol fonts: no digit-like
    kana (し ろ る ...), no held-out shape (circle, square, triangle, star, heart) and no boat or arrow."""
    from benchmarks.extract_letter_strokes import FONTS, KEPT_GLYPHS

    fonts = letters_module.load_letter_fonts()
    for name, kept in KEPT_GLYPHS.items():
        assert fonts[name]["hand"] == FONTS[name] and set(fonts[name]["letters"]) == set(kept)
    assert not set("HIJLnW") & set(KEPT_GLYPHS["symbolic"])  # circle, square, triangle, star, heart, boat
    assert {letter for _, letter in letters_module.list_letters("kana")} == set(KEPT_GLYPHS["japanese"])
    assert len(letters_module.list_letters("symbols")) == len(KEPT_GLYPHS["symbolic"] + KEPT_GLYPHS["mathlow"])


@pytest.mark.parametrize("name", sorted(DOODLES))
def test_every_doodle_has_strokes_that_vary(name):
    first, second = (make_doodle(name, np.random.default_rng(seed)) for seed in (0, 1))
    assert first and all(stroke.ndim == 2 and stroke.shape[1] == 2 and len(stroke) >= 2 for stroke in first)
    assert not all(np.array_equal(a, b) for a, b in zip(first, second)) or len(first) != len(second)


def test_script_letters_come_from_stroke_data_not_a_text_renderer():
    """Each script letter is the bundled Hershey glyph: joined-up (the 'a' is one stroke with its tail), whatever
    OpenCV is installed, and two draws of the same seed give the same picture."""
    fonts = letters_module.load_letter_fonts()
    assert {name for name, font in fonts.items() if font["hand"] == "script"} == {"scripts", "scriptc"}
    assert {name for name, font in fonts.items() if font["hand"] == "cursive"} == {"cursive"}
    assert len(fonts["scripts"]["letters"]["a"]) == 1 and len(fonts["scripts"]["letters"]["a"][0]) > 15
    first, second = (outliers.draw_outlier_of_kind("script letters", np.random.default_rng(3), PAIR) for _ in "ab")
    assert np.array_equal(first, second)


def test_wobble_bends_strokes_but_keeps_their_ends_near():
    stroke = np.array([[0.0, 0.0], [100.0, 0.0]])
    bent = outliers.wobble([stroke], np.random.default_rng(0))[0]
    assert len(bent) > 2 and np.abs(bent[:, 1]).max() > 0
    assert np.linalg.norm(bent[0] - stroke[0]) < 1e-9 and np.linalg.norm(bent[-1] - stroke[-1]) < 1e-9


def test_held_out_doodles_and_unseen_letters_are_never_trained_on():
    from mnist_cnn.data.extra_training_data import OUTLIER_SHARES

    assert set(OUTLIER_SHARES) == set(outliers.TRAINED_KINDS)
    assert not set(outliers.TRAINED_KINDS) & set(outliers.UNSEEN_KINDS)
    assert set(outliers.HELD_OUT_DOODLE_KINDS) <= set(outliers.UNSEEN_KINDS)
    assert not set(outliers.HELD_OUT_DOODLE_KINDS) & set(outliers.TAUGHT_DOODLE_KINDS)
    assert set(outliers.HELD_OUT_DOODLE_KINDS) | set(outliers.TAUGHT_DOODLE_KINDS) == set(outliers.DOODLE_KINDS)


def test_named_doodles_for_training_draw_only_the_taught_kinds(monkeypatch):
    drawn = []
    monkeypatch.setattr(outliers, "draw_doodle", lambda name, rng: drawn.append(name))
    rng = np.random.default_rng(0)
    for _ in range(300):
        outliers.draw_outlier_of_kind("named doodles", rng, PAIR)
    assert {f"doodle: {name}" for name in drawn} == set(outliers.TAUGHT_DOODLE_KINDS)


def test_unknown_kinds_are_refused():
    with pytest.raises(ValueError, match="Unknown"):
        outliers.draw_outlier_of_kind("sonnet", np.random.default_rng(0), PAIR)
