"""Limits of the teaching tools (attacks, convolution steps, receptive fields, kernels, filters, neighbours, paging,
the model store): the last allowed value is accepted and the next one refused with a clear message."""

import math

import keras
import numpy as np
import pytest

from mnist_cnn import config
from mnist_cnn.evaluation.gallery import count_pages, draw_sample_indices
from mnist_cnn.evaluation.metrics import compute_probabilities
from mnist_cnn.explain.attacks import MAX_EPSILON, check_attack_settings
from mnist_cnn.explain.convolution import KERNEL_PRESETS, explain_output_pixel
from mnist_cnn.explain.embedding import build_index, find_neighbours
from mnist_cnn.explain.filter_search import ChannelResponses
from mnist_cnn.explain.kernels import select_kernels
from mnist_cnn.explain.receptive_field import compute_receptive_field, list_spatial_steps
from mnist_cnn.explain.step_by_step import compute_output_size, explain_window
from mnist_cnn.model.architectures import build_model
from mnist_cnn.store.model_store import ModelStore, StoreFullError


@pytest.fixture(scope="module")
def tiny_model():
    """An untrained conv net small enough to build in a moment: 28×28×1 in, 10 probabilities out."""
    keras.utils.set_random_seed(0)
    return keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Conv2D(2, 3, name="conv"),
                             keras.layers.MaxPooling2D(2, name="pool"), keras.layers.Flatten(),
                             keras.layers.Dense(10, activation="softmax")])


# ---------------------------------------------------------------------------------------------
# Attacks: strength, steps, target.
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("epsilon", "steps", "target"), [
    (0.0, 1, None), (MAX_EPSILON, 1, None), (0.1, 1, 0), (0.1, 1, 9)])
def test_attack_settings_on_their_limits_are_accepted(epsilon, steps, target):
    check_attack_settings(epsilon, steps, target)


@pytest.mark.parametrize(("epsilon", "steps", "target", "words"), [
    (math.nextafter(0.0, -1.0), 1, None, "The strength must be between 0 and 1.0"),
    (math.nextafter(MAX_EPSILON, 2.0), 1, None, "The strength must be between 0 and 1.0"),
    (0.1, 0, None, "An attack needs at least one step, got 0"),
    (0.1, 1, -1, "The target must be a digit 0–9, got -1"),
    (0.1, 1, 10, "The target must be a digit 0–9, got 10"),
], ids=["strength-below-0", "strength-above-max", "no-step", "target-minus-1", "target-10"])
def test_attack_settings_one_past_their_limits_are_refused(epsilon, steps, target, words):
    with pytest.raises(ValueError, match=words):
        check_attack_settings(epsilon, steps, target)


# ---------------------------------------------------------------------------------------------
# Convolution step by step: output size, the window under an output pixel.
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("size", "kernel", "padding", "stride", "expected"), [
    (3, 5, 1, 1, 1),    # the kernel fills the padded input exactly
    (5, 5, 0, 1, 1),
    (28, 1, 0, 1, 28),  # the smallest kernel
    (28, 3, 0, 1, 26),  # the smallest stride and padding
])
def test_a_convolution_on_its_limits_has_an_output(size, kernel, padding, stride, expected):
    assert compute_output_size(size, kernel, padding, stride) == expected


@pytest.mark.parametrize(("size", "kernel", "padding", "stride", "words"), [
    (2, 5, 1, 1, "a 5-wide kernel does not fit in 2 pixels with padding 1"),
    (4, 5, 0, 1, "a 5-wide kernel does not fit in 4 pixels with padding 0"),
    (28, 0, 0, 1, "need kernel ≥ 1"),
    (28, 3, 0, 0, "need kernel ≥ 1, stride ≥ 1"),
    (28, 3, -1, 1, "padding ≥ 0"),
])
def test_a_convolution_one_past_its_limits_is_refused(size, kernel, padding, stride, words):
    with pytest.raises(ValueError, match=words):
        compute_output_size(size, kernel, padding, stride)


def test_the_last_output_pixel_has_a_window_and_the_next_one_is_refused():
    image, kernel = np.ones((7, 7), "float32"), np.ones((3, 3), "float32")  # padding 1, stride 2: a 4×4 output
    for row, col in ((0, 0), (3, 3), (3, 0), (0, 3)):
        assert explain_window(image, kernel, 1, 2, row, col).total > 0
    for row, col in ((4, 0), (0, 4), (-1, 0), (0, -1)):
        with pytest.raises(ValueError, match=rf"output pixel \({row}, {col}\) is outside the 4×4 output"):
            explain_window(image, kernel, 1, 2, row, col)


def test_the_convolution_page_explains_the_corner_pixels_and_refuses_one_outside():
    image, kernel = np.ones((28, 28), "float32"), KERNEL_PRESETS["Identity"]
    for row, col in ((0, 0), (27, 27), (0, 27), (27, 0)):
        assert explain_output_pixel(image, kernel, row, col).total == 1.0
    for row, col in ((28, 0), (0, 28), (-1, 0), (0, -1)):
        with pytest.raises(ValueError, match=rf"pixel \({row}, {col}\) is outside the 28×28 image"):
            explain_output_pixel(image, kernel, row, col)


# ---------------------------------------------------------------------------------------------
# Receptive fields, kernels, filters.
# ---------------------------------------------------------------------------------------------

def test_a_receptive_field_exists_for_a_maps_last_pixel_and_not_one_past_it():
    steps = list_spatial_steps(build_model("keras_example"))
    height, width = next(step.output_size for step in steps if step.name == "pool2")
    field = compute_receptive_field(steps, "pool2", height - 1, width - 1)
    assert (height, width) == (5, 5)
    assert (field.top, field.bottom, field.left, field.right) == (16, 25, 16, 25)  # rows 8-9, 8-11, 16-23, 16-25 back
    for row, col in ((height, 0), (0, width), (-1, 0), (0, -1)):
        with pytest.raises(ValueError, match=rf"pixel \({row}, {col}\) is outside pool2's {height}×{width} map"):
            compute_receptive_field(steps, "pool2", row, col)


def test_kernels_of_the_last_input_channel_are_shown_and_one_more_is_refused():
    kernel = np.random.default_rng(0).normal(size=(3, 3, 4, 5))
    np.testing.assert_array_equal(select_kernels(kernel, 3), kernel[:, :, 3, :])
    np.testing.assert_array_equal(select_kernels(kernel, 0), kernel[:, :, 0, :])
    for channel in (4, -1):
        with pytest.raises(ValueError, match=rf"input channel must be 0\.\.3 or .*, got {channel}"):
            select_kernels(kernel, channel)


def test_the_strongest_digits_of_the_last_channel_are_found_and_one_channel_more_is_refused():
    peaks = np.arange(24, dtype="float32").reshape(6, 4)  # 6 digits, 4 channels: the last digit peaks highest
    responses = ChannelResponses(peaks, np.zeros((6, 4, 2), int))
    assert responses.top_digits(3, count=2).tolist() == [5, 4]
    assert responses.top_digits(0, count=1).tolist() == [5]
    for channel in (4, -1):
        with pytest.raises(ValueError, match=f"channel must be 0–3, got {channel}"):
            responses.top_digits(channel)


# ---------------------------------------------------------------------------------------------
# Neighbours, evaluation batches, galleries.
# ---------------------------------------------------------------------------------------------

def test_as_many_neighbours_as_the_bank_holds_are_found_and_one_more_is_refused(tiny_model):
    images = np.random.default_rng(0).integers(0, 256, (5, 28, 28), dtype=np.uint8)
    index = build_index(tiny_model, images, images, np.arange(5))
    neighbours, _ = find_neighbours(tiny_model, index, images, images[2], count=5)
    assert sorted(neighbours.tolist()) == [0, 1, 2, 3, 4] and neighbours[0] == 2
    assert find_neighbours(tiny_model, index, images, images[2], count=1)[0].tolist() == [2]
    for count in (6, 0):
        with pytest.raises(ValueError, match=f"count must be 1–5, got {count}"):
            find_neighbours(tiny_model, index, images, images[2], count=count)


def test_a_batch_of_one_image_is_evaluated_and_a_batch_of_none_refused(tiny_model):
    images = np.zeros((3, 28, 28), np.uint8)
    assert compute_probabilities(tiny_model, images, batch_size=1).shape == (3, 10)
    with pytest.raises(ValueError, match="batch_size must be at least 1, got 0"):
        compute_probabilities(tiny_model, images, batch_size=0)


def test_a_gallery_page_of_one_item_and_an_empty_sample_are_allowed_and_negatives_refused():
    assert count_pages(3, 1) == 3
    with pytest.raises(ValueError, match="page_size must be at least 1, got 0"):
        count_pages(3, 0)
    assert len(draw_sample_indices(0, 0, seed=0)) == 0
    for total, count in ((-1, 0), (0, -1)):
        with pytest.raises(ValueError, match="must not be negative"):
            draw_sample_indices(total, count, seed=0)


# ---------------------------------------------------------------------------------------------
# The model store's room.
# ---------------------------------------------------------------------------------------------

def test_a_store_one_model_short_of_max_stored_models_has_room_and_a_full_one_refuses(tmp_path):
    store = ModelStore(tmp_path)
    (tmp_path / f"{config.DEFAULT_MODEL_NAME}.keras").write_bytes(b"bundled")  # the default takes no room
    for index in range(config.MAX_STORED_MODELS - 1):
        (tmp_path / f"model-{index}.keras").write_bytes(b"unusable files count too")
    store.check_room()
    (tmp_path / "one-more.keras").write_bytes(b"x")
    with pytest.raises(StoreFullError, match=f"full \\({config.MAX_STORED_MODELS} trained models; the limit is "
                                             f"{config.MAX_STORED_MODELS}\\)"):
        store.check_room()
