"""Classification of one digit, the unsure warning, and saliency maps for every architecture."""

import keras
import numpy as np
import pytest

from mnist_cnn.inputs.images import to_unit_floats
from mnist_cnn.model import inference
from mnist_cnn.model.architectures import ARCHITECTURES, build_model
from mnist_cnn.model.inference import (Classification, classify, describe_uncertainty, find_gradcam_layer,
                                       find_last_conv_layer, make_gradcam_heatmap, make_gradient_heatmap)


@pytest.fixture(scope="module")
def sample_digits(mnist):
    """Eight MNIST test digits as (28, 28) floats in [0, 1], and their labels."""
    _, (x_test, y_test) = mnist
    return to_unit_floats(x_test[:8]), y_test[:8]


def test_classify_returns_probabilities_digit_and_confidence(tiny_trained_model, sample_digits):
    images, _ = sample_digits
    result = classify(tiny_trained_model, images[0])
    assert isinstance(result, Classification)
    assert result.probabilities.shape == (10,)
    assert result.probabilities.sum() == pytest.approx(1.0, abs=1e-4)
    assert result.digit == int(np.argmax(result.probabilities))
    assert result.confidence == pytest.approx(result.probabilities.max())
    assert result.is_unsure == bool(result.reason)


def test_classify_matches_the_model_and_never_calls_predict(tiny_trained_model, sample_digits, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("classify must call the model directly, not predict()")

    monkeypatch.setattr(tiny_trained_model, "predict", refuse)
    images, labels = sample_digits
    expected = np.asarray(tiny_trained_model(images[:, :, :, np.newaxis], training=False))
    for image, row in zip(images, expected, strict=True):
        np.testing.assert_allclose(classify(tiny_trained_model, image).probabilities, row, atol=1e-5)
    # Trained for one epoch on 2,000 digits, it already gets most of these right.
    predictions = [classify(tiny_trained_model, image).digit for image in images]
    assert np.mean(np.array(predictions) == labels) >= 0.5


def test_classify_accepts_a_channel_axis_and_rejects_other_shapes(tiny_trained_model, sample_digits):
    images, _ = sample_digits
    assert classify(tiny_trained_model, images[0][:, :, np.newaxis]).probabilities.shape == (10,)
    with pytest.raises(ValueError, match="28, 28"):
        classify(tiny_trained_model, np.zeros((32, 32), np.float32))


def one_hot_ish(top_digit, top, second_digit=None, second=0.0):
    """Ten probabilities with a chosen top and runner-up, the rest spread evenly."""
    probabilities = np.zeros(10)
    probabilities[top_digit] = top
    if second_digit is not None:
        probabilities[second_digit] = second
    rest = [d for d in range(10) if d not in (top_digit, second_digit)]
    probabilities[rest] = (1.0 - probabilities.sum()) / len(rest)
    return probabilities


def test_sure_when_one_class_dominates():
    assert describe_uncertainty(one_hot_ish(3, 0.97)) == ""


def test_unsure_when_top_probability_is_low():
    reason = describe_uncertainty(one_hot_ish(3, inference.UNSURE_TOP_PROBABILITY - 0.1))
    assert "only" in reason and "sure" in reason


def test_unsure_when_two_classes_are_close():
    top = inference.UNSURE_TOP_PROBABILITY + 0.02
    reason = describe_uncertainty(one_hot_ish(8, top, 3, top - inference.UNSURE_MARGIN / 2))
    assert "8" in reason and "3" in reason


def test_last_conv_layer_is_found_by_type_not_name():
    model = keras.Sequential([
        keras.Input(shape=(28, 28, 1)),
        keras.layers.Conv2D(4, 3, name="first"),
        keras.layers.Conv2D(4, 3, name="zzz"),
        keras.layers.BatchNormalization(name="norm"),
        keras.layers.Activation("relu", name="act"),
        keras.layers.GlobalAveragePooling2D(),
        keras.layers.Dense(10, activation="softmax"),
    ])
    assert find_last_conv_layer(model).name == "zzz"
    assert find_gradcam_layer(model).name == "act"


def test_a_model_without_conv_layers_is_refused():
    model = keras.Sequential([keras.Input(shape=(28, 28, 1)), keras.layers.Flatten(),
                              keras.layers.Dense(10, activation="softmax")])
    with pytest.raises(ValueError, match="Conv2D"):
        find_last_conv_layer(model)


@pytest.mark.parametrize("name", list(ARCHITECTURES))
def test_saliency_works_for_every_architecture(name, sample_digits):
    model = build_model(name)
    images, _ = sample_digits
    for make_heatmap in (make_gradcam_heatmap, make_gradient_heatmap):
        heatmap = make_heatmap(model, images[0], 3)
        assert heatmap.shape == (28, 28) and heatmap.dtype == np.float32
        assert np.all(np.isfinite(heatmap)) and heatmap.min() >= 0.0 and heatmap.max() <= 1.0


@pytest.mark.parametrize("make_heatmap", [make_gradcam_heatmap, make_gradient_heatmap])
def test_saliency_of_a_trained_model_lies_on_the_digit(tiny_trained_model, sample_digits, make_heatmap):
    images, _ = sample_digits
    for image in images[:4]:
        heatmap = make_heatmap(tiny_trained_model, image)  # the predicted class by default
        assert heatmap.max() == pytest.approx(1.0)
        near_ink = image > 0.1
        assert heatmap[near_ink].mean() > heatmap[~near_ink].mean()
