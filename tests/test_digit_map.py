"""The digit map: layers to choose from, PCA and t-SNE maps of a few digits, a new digit placed on them, and the
hover thumbnails."""

import base64

import cv2
import keras
import numpy as np
import pytest

from mnist_cnn.explain.digit_map import (PCA, TSNE, build_digit_map, compute_layer_values, find_map_layer,
                                         list_map_layers, place_by_neighbours, place_digit)
from mnist_cnn.model.architectures import build_model
from mnist_cnn.plots.digit_map import BY_ANSWER, make_digit_map_chart, make_digit_thumbnails

SAMPLE = 60  # digits on the test maps


@pytest.fixture(scope="module")
def small_model():
    """An untrained keras_example with fixed weights: maps need a network, not a good one."""
    keras.utils.set_random_seed(0)
    return build_model("keras_example")


@pytest.fixture(scope="module")
def digits(mnist):
    _, (x_test, y_test) = mnist
    return x_test[:SAMPLE], y_test[:SAMPLE]


def test_layers_to_map_are_the_conv_pooling_and_hidden_dense_layers():
    model = build_model("three_conv64_dense64_32")
    assert [layer.name for layer in list_map_layers(model)] == \
           ["conv1", "pool1", "conv2", "pool2", "conv3", "pool3", "dense1", "dense2"]
    assert [layer.output_layer for layer in list_map_layers(build_model("batchnorm_cnn"))][:1] == ["conv1_relu"]
    with pytest.raises(ValueError):
        find_map_layer(model, "probabilities")


def test_placing_by_neighbours_averages_the_nearest_points():
    features = np.array([[0.0, 0.0], [1.0, 0.0], [10.0, 0.0], [11.0, 0.0]])
    points = np.array([[0.0, 0.0], [2.0, 2.0], [50.0, 50.0], [60.0, 60.0]])
    position, nearest = place_by_neighbours(features, points, np.array([0.4, 0.0]), count=2)
    np.testing.assert_array_equal(nearest, [0, 1])
    np.testing.assert_allclose(position, [1.0, 1.0])
    with pytest.raises(ValueError):
        place_by_neighbours(features, points, np.zeros(2), count=5)


def test_a_pca_map_places_one_of_its_own_digits_on_its_own_dot(small_model, digits):
    images, _ = digits
    layer = find_map_layer(small_model, "pool2")
    digit_map = build_digit_map(small_model, layer, images, PCA)
    assert digit_map.points.shape == (SAMPLE, 2) and digit_map.features.shape[0] == SAMPLE
    assert 0 < digit_map.explained[1] <= digit_map.explained[0] < 1
    position, answer = place_digit(small_model, digit_map, images[7] / 255.0)
    np.testing.assert_allclose(position, digit_map.points[7], atol=1e-3)
    assert answer == digit_map.predictions[7]
    _, predictions = compute_layer_values(small_model, images, layer.output_layer)
    np.testing.assert_array_equal(digit_map.predictions, predictions)


def test_a_tsne_map_places_a_digit_among_its_nearest_map_digits(small_model, digits):
    images, labels = digits
    digit_map = build_digit_map(small_model, find_map_layer(small_model, "pool2"), images, TSNE)
    assert digit_map.points.shape == (SAMPLE, 2) and np.all(np.isfinite(digit_map.points))
    position, _ = place_digit(small_model, digit_map, images[3] / 255.0)
    expected, nearest = place_by_neighbours(digit_map.features, digit_map.points, digit_map.features[3])
    assert 3 in nearest
    np.testing.assert_allclose(position, expected, atol=1e-3)
    with pytest.raises(ValueError):
        build_digit_map(small_model, find_map_layer(small_model, "pool2"), images, "UMAP")


def test_thumbnails_and_the_chart(digits):
    images, labels = digits
    thumbnails = make_digit_thumbnails(images[:3])
    decoded = cv2.imdecode(np.frombuffer(base64.b64decode(thumbnails[0].split(",", 1)[1]), np.uint8),
                           cv2.IMREAD_UNCHANGED)
    assert decoded.shape == (56, 56) and decoded[::2, ::2].tolist() == images[0].tolist()
    predictions = labels[:3].copy()
    predictions[1] = (predictions[1] + 1) % 10  # one wrong answer
    chart = make_digit_map_chart(np.zeros((3, 2)), labels[:3], predictions, thumbnails, np.ones(2), TSNE,
                                 np.zeros(2), BY_ANSWER)
    spec = chart.to_dict()
    dots = spec["layer"][0]
    assert dots["encoding"]["tooltip"][0]["field"] == "image"  # vega-tooltip shows a field named image as a picture
    assert dots["encoding"]["color"]["field"] == "result"
    rows = spec["datasets"][dots["data"]["name"]]
    assert [row["result"] for row in rows] == ["right", "wrong", "right"]
    with pytest.raises(ValueError):
        make_digit_map_chart(np.zeros((3, 2)), labels[:3], predictions, thumbnails, None, PCA, np.zeros(2), "size")
