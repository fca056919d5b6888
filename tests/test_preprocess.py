"""Preprocessing of synthetic drawings: shape, range, centring, and the same digit anywhere gives the same input."""

import cv2
import numpy as np
import pytest

from mnist_cnn import config
from mnist_cnn.inputs.preprocess import PreprocessError, PreprocessResult, preprocess_drawing


def draw_zero(size=300, centre=(150, 150), axes=(45, 70), pen=24, ink=255, background=0):
    """A gray canvas with an ellipse (a '0') drawn on it."""
    canvas = np.full((size, size), background, np.uint8)
    cv2.ellipse(canvas, centre, axes, 0, 0, 360, int(ink), pen, lineType=cv2.LINE_AA)
    return canvas


def draw_one(size=300, top=(150, 40), bottom=(150, 260), pen=24):
    """A gray canvas with a straight stroke (a '1') on it."""
    canvas = np.zeros((size, size), np.uint8)
    cv2.line(canvas, top, bottom, 255, pen, lineType=cv2.LINE_AA)
    return canvas


def centre_of_mass(image):
    """(x, y) centre of mass of a 2-D image."""
    moments = cv2.moments(np.asarray(image, np.float32))
    return moments["m10"] / moments["m00"], moments["m01"] / moments["m00"]


def ink_box(image, threshold=0.1):
    """(height, width) of the ink's bounding box."""
    rows = np.flatnonzero((image > threshold).any(axis=1))
    columns = np.flatnonzero((image > threshold).any(axis=0))
    return rows[-1] - rows[0] + 1, columns[-1] - columns[0] + 1


def assert_mnist_like(model_input):
    """28x28 float32 in [0, 1], full contrast, the ink in a ~20-px box centred by mass on (14, 14)."""
    assert model_input.shape == (28, 28)
    assert model_input.dtype == np.float32
    assert model_input.min() >= 0.0 and model_input.max() <= 1.0
    assert model_input.max() > 0.9
    x, y = centre_of_mass(model_input)
    assert abs(x - 14) <= 0.75 and abs(y - 14) <= 0.75
    assert 18 <= max(ink_box(model_input)) <= 22
    # A typical MNIST digit has 100-200 pixels above one half; strokes neither vanish nor fill the box.
    assert 40 <= int((model_input > 0.5).sum()) <= 260


@pytest.fixture(scope="module")
def centred_zero():
    """The model input of a well-drawn, centred '0'."""
    return preprocess_drawing(draw_zero()).model_input


def test_centred_zero_is_mnist_like(centred_zero):
    assert_mnist_like(centred_zero)
    assert centred_zero[14, 14] < 0.2  # the hole stays open


def test_result_has_ordered_steps():
    result = preprocess_drawing(draw_zero())
    assert isinstance(result, PreprocessResult)
    names = list(result.steps)
    assert len(names) >= 5 and names[0].startswith("1") and names[-1].startswith("6")
    assert all(isinstance(image, np.ndarray) and image.dtype == np.uint8 for image in result.steps.values())
    np.testing.assert_allclose(list(result.steps.values())[-1] / 255.0, result.model_input, atol=1e-6)


@pytest.mark.parametrize("centre", [(60, 95), (235, 210), (150, 90)])
def test_off_centre_gives_the_same_input(centred_zero, centre):
    moved = preprocess_drawing(draw_zero(centre=centre)).model_input
    assert_mnist_like(moved)
    assert np.abs(moved - centred_zero).mean() < 0.02


def test_tiny_zero_in_a_corner_is_mnist_like(centred_zero):
    tiny = preprocess_drawing(draw_zero(centre=(30, 270), axes=(9, 14), pen=5)).model_input
    assert_mnist_like(tiny)
    assert np.corrcoef(tiny.ravel(), centred_zero.ravel())[0, 1] > 0.8


def test_huge_canvas_gives_the_same_input(centred_zero):
    huge = preprocess_drawing(draw_zero(size=1500, centre=(750, 750), axes=(225, 350), pen=120)).model_input
    assert_mnist_like(huge)
    assert np.corrcoef(huge.ravel(), centred_zero.ravel())[0, 1] > 0.9


def test_thin_strokes_are_thickened(centred_zero):
    thin = preprocess_drawing(draw_zero(size=1000, centre=(500, 500), axes=(150, 230), pen=2)).model_input
    assert_mnist_like(thin)
    assert np.corrcoef(thin.ravel(), centred_zero.ravel())[0, 1] > 0.8


def test_thick_strokes_are_thinned_and_the_hole_stays():
    thick = preprocess_drawing(draw_zero(axes=(50, 80), pen=45)).model_input
    assert_mnist_like(thick)
    assert thick[14, 14] < 0.2


def test_dark_ink_on_light_paper_is_inverted(centred_zero):
    inverted = preprocess_drawing(draw_zero(ink=0, background=255)).model_input
    assert np.abs(inverted - centred_zero).max() < 0.02


def test_gray_rgb_and_rgba_give_the_same_input(centred_zero):
    gray = draw_zero()
    rgb = np.dstack([gray] * 3)
    rgba = np.dstack([gray] * 3 + [np.full_like(gray, 255)])
    for image in (rgb, rgba, gray[:, :, np.newaxis]):
        np.testing.assert_allclose(preprocess_drawing(image).model_input, centred_zero, atol=1e-6)


def test_black_ink_on_a_transparent_layer(centred_zero):
    ink = draw_zero()
    rgba = np.dstack([np.zeros_like(ink)] * 3 + [ink])  # black strokes, transparent elsewhere
    assert np.abs(preprocess_drawing(rgba).model_input - centred_zero).max() < 0.02


def test_float_input_in_unit_range_equals_uint8(centred_zero):
    as_float = draw_zero().astype(np.float32) / 255.0
    np.testing.assert_allclose(preprocess_drawing(as_float).model_input, centred_zero, atol=1e-6)


def test_vertical_one_fills_the_box_height():
    one = preprocess_drawing(draw_one()).model_input
    assert_mnist_like(one)
    height, width = ink_box(one)
    assert height >= 19 and width <= 8


def test_wide_stroke_fills_the_box_width():
    wide = preprocess_drawing(draw_one(top=(20, 150), bottom=(280, 160), pen=10)).model_input
    height, width = ink_box(wide)
    assert width >= 19 and height <= 8
    x, y = centre_of_mass(wide)
    assert abs(x - 14) <= 0.75 and abs(y - 14) <= 0.75


def test_stray_pixels_next_to_a_digit_are_ignored(centred_zero):
    drawing = draw_zero()
    drawing[5:7, 290:292] = 255  # a speck in a corner
    np.testing.assert_allclose(preprocess_drawing(drawing).model_input, centred_zero, atol=1e-6)


@pytest.mark.parametrize("image", [
    np.zeros((300, 300), np.uint8),                      # empty canvas
    np.zeros((300, 300, 4), np.uint8) + [0, 0, 0, 255],  # empty opaque RGBA canvas
    np.full((300, 300), 255, np.uint8),                  # all ink (uniform)
    np.ones((1, 1), np.uint8) * 200,                     # 1x1
], ids=["empty", "empty-rgba", "all-ink", "1x1"])
def test_blank_pictures_give_no_input(image):
    result = preprocess_drawing(image.astype(np.uint8))
    assert result.model_input is None and result.is_blank
    assert result.message


def test_a_few_stray_pixels_give_no_input():
    canvas = np.zeros((300, 300), np.uint8)
    canvas[100, 100] = canvas[200, 50] = canvas[10, 250] = 255
    result = preprocess_drawing(canvas)
    assert result.model_input is None and result.is_blank


def test_a_single_dot_gives_no_input():
    canvas = np.zeros((300, 300), np.uint8)
    cv2.circle(canvas, (120, 170), 12, 255, -1, lineType=cv2.LINE_AA)  # one click with the default pen
    result = preprocess_drawing(canvas)
    assert result.model_input is None and not result.is_blank
    assert "dot" in result.message


def test_very_elongated_picture_is_handled():
    strip = np.zeros((10, 10_000), np.uint8)
    strip[3:7, 100:9_900] = 255
    model_input = preprocess_drawing(strip).model_input
    assert model_input is not None and model_input.shape == (28, 28) and model_input.max() == 1.0
    ink_rows = np.flatnonzero(model_input.max(axis=1) > 0.1)
    ink_cols = np.flatnonzero(model_input.max(axis=0) > 0.1)
    assert ink_cols.tolist() == list(range(4, 24))  # the bar spans the 20-px box
    assert len(ink_rows) <= 3 and abs(ink_rows.mean() - 13.5) <= 1  # a thin line through the centre of mass


@pytest.mark.parametrize("image, words", [
    (np.zeros((10, 10, 2), np.uint8), "shape"),
    (np.zeros((0, 5), np.uint8), "empty"),
    (np.zeros((4, 4, 4, 4), np.uint8), "shape"),
    (np.full((8, 8), np.nan, np.float32), "NaN"),
    (np.full((8, 8), -3.0), "[0, 1] or [0, 255]"),
    (np.full((8, 8), 300, np.int32), "0 to 255"),
    (np.full((8, 8), 1 + 1j), "Unsupported"),
    ("not an image", "shape"),
], ids=["two-channels", "zero-size", "4-d", "nan", "negative", "int-over-255", "complex", "string"])
def test_unusable_input_raises_preprocess_error(image, words):
    with pytest.raises(PreprocessError) as error:
        preprocess_drawing(image)
    assert isinstance(error.value, ValueError)
    assert words.lower() in str(error.value).lower()


def test_too_many_pixels_raise(monkeypatch):
    monkeypatch.setattr(config, "MAX_UPLOAD_PIXELS", 100)
    with pytest.raises(PreprocessError, match="limit"):
        preprocess_drawing(np.zeros((20, 20), np.uint8))


def test_mnist_digits_pass_through_almost_unchanged(mnist):
    _, (x_test, _) = mnist
    for digit in x_test[:20]:
        model_input = preprocess_drawing(digit).model_input
        assert model_input is not None
        assert np.abs(model_input - digit / 255.0).mean() < 0.06


def test_non_contiguous_views_are_accepted(centred_zero):
    mirrored_twice = np.ascontiguousarray(draw_zero()[:, ::-1])[:, ::-1]  # a negative-stride view
    np.testing.assert_allclose(preprocess_drawing(mirrored_twice).model_input, centred_zero, atol=1e-6)
