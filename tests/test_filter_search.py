"""What a filter looks for: the strongest test digits are really the strongest; activation maximisation raises it."""

import numpy as np
import pytest

from mnist_cnn.explain.feature_maps import compute_feature_maps
from mnist_cnn.explain.filter_search import maximise_activation, scan_channel_responses
from mnist_cnn.model.inference import classify


def test_top_digits_have_the_largest_peaks_and_positions_point_at_them(tiny_trained_model, mnist):
    _, (x_test, _) = mnist
    images = x_test[:600]
    responses = scan_channel_responses(tiny_trained_model, "conv2", images)
    assert responses.peaks.shape == (600, 64) and responses.positions.shape == (600, 64, 2)
    top = responses.top_digits(5, count=4)
    assert np.all(np.diff(responses.peaks[top, 5]) <= 0)
    assert responses.peaks[top[0], 5] == responses.peaks[:, 5].max()
    maps = compute_feature_maps(tiny_trained_model, images[top[0]], ["conv2"])["conv2"]  # (11, 11, 64)
    row, col = responses.positions[top[0], 5]
    assert maps[row, col, 5] == pytest.approx(responses.peaks[top[0], 5], rel=1e-4)
    with pytest.raises(ValueError):
        responses.top_digits(64)


def test_activation_maximisation_raises_each_filters_activation(tiny_trained_model):
    images, start, end = maximise_activation(tiny_trained_model, "conv2", [0, 7, 30], steps=60)
    assert images.shape == (3, 28, 28) and images.min() >= 0.0 and images.max() <= 1.0
    assert np.all(end > start + 0.05), (start, end)  # the centre unit, before its ReLU, from a grey start


def test_class_images_are_read_as_their_class(tiny_trained_model):
    images, start, end = maximise_activation(tiny_trained_model, None, list(range(10)), steps=60)
    assert np.all(end > start)
    read_as = [classify(tiny_trained_model, image).digit for image in images]
    assert sum(digit == wanted for digit, wanted in zip(read_as, range(10))) >= 8, read_as
