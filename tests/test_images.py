"""Tests of mnist_cnn.inputs.images: model batches, checks, scaling and display enlargement."""

import numpy as np
import pytest

from mnist_cnn.inputs.images import (enlarge_pixels, fit_into_square, to_grey_image, to_image_batch, to_model_batch,
                                     to_uint8)


def test_one_digit_becomes_a_scaled_batch_of_one():
    assert to_image_batch(np.full((28, 28), 255, np.uint8)).max() == pytest.approx(1.0)
    for shape in [(28, 28), (28, 28, 1), (1, 28, 28, 1)]:
        batch = to_image_batch(np.full(shape, 0.5, "float64"))
        assert batch.shape == (1, 28, 28, 1) and batch.dtype == np.float32 and batch.max() == 0.5
    for shape in [(2, 28, 28, 1), (27, 28), (28, 28, 3)]:
        with pytest.raises(ValueError, match="one \\(28, 28\\) digit"):
            to_image_batch(np.zeros(shape, "float32"))


def test_many_digits_become_a_model_batch():
    scaled = to_model_batch(np.stack([np.zeros((28, 28), np.uint8), np.full((28, 28), 255, np.uint8)]))
    assert scaled.shape == (2, 28, 28, 1) and scaled.dtype == np.float32
    assert scaled[0].max() == 0.0 and scaled[1].min() == 1.0
    assert to_model_batch(np.full((3, 28, 28, 1), 0.25)).max() == 0.25  # floats are kept as they are
    assert to_model_batch(np.zeros((0, 28, 28), np.uint8)).shape == (0, 28, 28, 1)
    for shape in [(28, 28), (2, 28, 28, 3), (2, 14, 14)]:
        with pytest.raises(ValueError, match="Expected digits"):
            to_model_batch(np.zeros(shape, np.uint8))


def test_grey_images_of_any_size_are_checked_and_scaled():
    image = to_grey_image(np.full((1, 5, 7, 1), 255, np.uint8))
    assert image.shape == (5, 7) and image.dtype == np.float32 and image.max() == 1.0
    with pytest.raises(ValueError, match="one grey image"):
        to_grey_image(np.zeros((2, 5, 7)))


def test_uint8_rounds_clips_and_clears_nan():
    np.testing.assert_array_equal(to_uint8(np.array([-1.0, 0.5, 2.0, np.nan])), [0, 128, 255, 0])
    original = np.arange(10, dtype=np.uint8)
    assert to_uint8(original) is original


def test_enlarged_digits_keep_every_pixel():
    image = (np.arange(28 * 28) % 256).astype(np.uint8).reshape(28, 28)
    big = enlarge_pixels(image, 4)
    assert big.shape == (112, 112) and big.dtype == np.uint8
    np.testing.assert_array_equal(big[::4, ::4], image)
    assert enlarge_pixels(np.ones((28, 28, 1), "float32"), 2).max() == 255
    with pytest.raises(ValueError):
        enlarge_pixels(np.zeros((2, 28, 28)), 2)
    with pytest.raises(ValueError, match="scale"):
        enlarge_pixels(image, 0)


def test_fit_into_square_centres_and_keeps_the_aspect():
    wide = np.ones((10, 20), np.float32)
    square = fit_into_square(wide, 40)
    assert square.shape == (40, 40) and square.dtype == np.uint8
    assert square[10:30].min() == 255 and square[:10].max() == 0 and square[30:].max() == 0
    colour = fit_into_square(np.zeros((300, 200, 3), np.uint8), 112)
    assert colour.shape == (112, 112, 3)
