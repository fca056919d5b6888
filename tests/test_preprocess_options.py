"""preprocess_drawing's what-if options: each switch undoes its own normalisation step; moves move the digit."""

import cv2
import numpy as np
import pytest

from mnist_cnn.inputs.preprocess import PreprocessOptions, preprocess_drawing


@pytest.fixture(scope="module")
def small_seven_in_a_corner():
    """A 300×300 canvas with a thin-stroked 7 in its top-left third (white ink on black)."""
    canvas = np.zeros((300, 300), np.uint8)
    cv2.line(canvas, (20, 20), (90, 20), 255, 3)
    cv2.line(canvas, (90, 20), (40, 110), 255, 3)
    return canvas


def ink_box(model_input: np.ndarray) -> tuple[int, int, int, int]:
    """(top, bottom, left, right) of the pixels brighter than 0.2."""
    rows, cols = np.nonzero(model_input > 0.2)
    return rows.min(), rows.max(), cols.min(), cols.max()


def centre_of_mass(model_input: np.ndarray) -> tuple[float, float]:
    rows, cols = np.indices(model_input.shape)
    total = model_input.sum()
    return float((rows * model_input).sum() / total), float((cols * model_input).sum() / total)


def test_default_options_change_nothing(small_seven_in_a_corner):
    default = preprocess_drawing(small_seven_in_a_corner)
    explicit = preprocess_drawing(small_seven_in_a_corner, PreprocessOptions())
    np.testing.assert_array_equal(default.model_input, explicit.model_input)
    assert list(default.steps) == list(explicit.steps)


def test_without_cropping_the_digit_stays_small_and_in_its_corner(small_seven_in_a_corner):
    result = preprocess_drawing(small_seven_in_a_corner, PreprocessOptions(crop=False, centre_of_mass=False))
    top, bottom, left, right = ink_box(result.model_input)
    assert bottom - top <= 9 and right - left <= 7  # a third of the 20-px box
    assert top <= 6 and left <= 6  # still top-left
    assert "2 · not cropped" in result.steps


def test_without_the_box_the_digit_fills_28_pixels(small_seven_in_a_corner):
    boxed = ink_box(preprocess_drawing(small_seven_in_a_corner, PreprocessOptions(centre_of_mass=False)).model_input)
    unboxed = ink_box(preprocess_drawing(small_seven_in_a_corner,
                                         PreprocessOptions(fit_box=False, centre_of_mass=False)).model_input)
    assert boxed[1] - boxed[0] + 1 <= 20 and unboxed[1] - unboxed[0] + 1 >= 26


def test_centre_of_mass_off_leaves_the_bounding_box_centred(small_seven_in_a_corner):
    on = preprocess_drawing(small_seven_in_a_corner).model_input
    off = preprocess_drawing(small_seven_in_a_corner, PreprocessOptions(centre_of_mass=False)).model_input
    assert np.allclose(centre_of_mass(on), (14, 14), atol=0.6)
    top, bottom, left, right = ink_box(off)
    assert abs((top + bottom) / 2 - 13.5) <= 1 and abs((left + right) / 2 - 13.5) <= 1
    assert not np.allclose(centre_of_mass(off), (14, 14), atol=0.6)  # a 7's mass sits high and right


def test_stroke_width_off_keeps_the_thin_pen(small_seven_in_a_corner):
    on = preprocess_drawing(small_seven_in_a_corner).model_input
    off = preprocess_drawing(small_seven_in_a_corner, PreprocessOptions(stroke_width=False)).model_input
    assert off.sum() < 0.8 * on.sum()


def test_shift_scale_and_rotation_move_the_digit(small_seven_in_a_corner):
    base = preprocess_drawing(small_seven_in_a_corner).model_input
    shifted = preprocess_drawing(small_seven_in_a_corner, PreprocessOptions(shift=(4.0, -2.0))).model_input
    row, col = centre_of_mass(shifted)
    base_row, base_col = centre_of_mass(base)
    assert col - base_col == pytest.approx(4, abs=0.3) and row - base_row == pytest.approx(-2, abs=0.3)
    rotated = preprocess_drawing(small_seven_in_a_corner, PreprocessOptions(rotation=90)).model_input
    np.testing.assert_allclose(rotated, np.rot90(base), atol=0.02)  # anticlockwise, as np.rot90
    halved = preprocess_drawing(small_seven_in_a_corner, PreprocessOptions(scale=0.5)).model_input
    assert (ink_box(halved)[1] - ink_box(halved)[0]) <= 0.6 * (ink_box(base)[1] - ink_box(base)[0])
