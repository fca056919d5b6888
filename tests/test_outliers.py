"""Non-digit drawings: every kind draws ink on the canvas, and digit-like letters are never among them."""

import numpy as np
import pytest

from mnist_cnn.config import CANVAS_SIZE
from mnist_cnn.data import outliers
from mnist_cnn.data.pendigits import PenDigit

PAIR = [PenDigit(1, "w1", (np.array([[0.0, 0.0], [0.0, 10.0]]),)),
        PenDigit(7, "w1", (np.array([[0.0, 0.0], [8.0, 0.0], [2.0, 10.0]]),))]


@pytest.mark.parametrize("kind", outliers.UNSEEN_KINDS + outliers.TRAINED_KINDS)
def test_each_kind_draws_ink_on_the_canvas(kind):
    image = outliers.draw_outlier_of_kind(kind, np.random.default_rng(1), PAIR)
    assert image.shape == (CANVAS_SIZE, CANVAS_SIZE) and image.dtype == np.uint8
    assert (image > 127).mean() > 0.005


@pytest.mark.parametrize("shape", outliers.SHAPES)
def test_every_shape_has_strokes(shape):
    strokes = outliers.make_shape(shape, np.random.default_rng(0))
    assert strokes and all(stroke.ndim == 2 and stroke.shape[1] == 2 for stroke in strokes)


def test_letters_that_look_like_digits_are_not_outliers():
    assert not set("OISZBgql") & set(outliers.LETTERS)
    assert set("AKMWXkx") <= set(outliers.LETTERS)


def test_unknown_kinds_are_refused():
    with pytest.raises(ValueError, match="Unknown"):
        outliers.draw_outlier_of_kind("sonnet", np.random.default_rng(0), PAIR)
