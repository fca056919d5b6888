"""Switching filters off: a copy whose maps change exactly downstream, ranking by ablation, sample accuracy."""

import keras
import numpy as np
import pytest

from mnist_cnn.explain.ablation import (count_changed_channels, measure_accuracy, predict_probabilities,
                                        rank_filters, switch_filters_off)
from mnist_cnn.explain.feature_maps import compute_feature_maps, list_feature_layers


@pytest.fixture(scope="module")
def small_model() -> keras.Model:
    """conv1 (ReLU, bias) -> conv2 -> batch norm (non-trivial statistics) -> ReLU -> pool -> conv3 -> dense."""
    keras.utils.set_random_seed(0)
    model = keras.Sequential([
        keras.Input((28, 28, 1)),
        keras.layers.Conv2D(4, 3, activation="relu", name="conv1"),  # (batch, 26, 26, 4)
        keras.layers.Conv2D(6, 3, use_bias=False, name="conv2"),  # (batch, 24, 24, 6)
        keras.layers.BatchNormalization(name="conv2_bn"),
        keras.layers.Activation("relu", name="conv2_relu"),
        keras.layers.MaxPooling2D(2, name="pool"),  # (batch, 12, 12, 6)
        keras.layers.Conv2D(5, 3, activation="relu", name="conv3"),  # (batch, 10, 10, 5)
        keras.layers.Flatten(),
        keras.layers.Dense(10, activation="softmax", name="probabilities"),
    ])
    rng = np.random.default_rng(0)
    batch_norm = model.get_layer("conv2_bn")
    batch_norm.set_weights([rng.uniform(0.5, 2, 6), rng.normal(0, 0.5, 6), rng.normal(0, 0.5, 6),
                            rng.uniform(0.5, 2, 6)])  # scale, shift, running mean and variance
    model.get_layer("conv1").set_weights([model.get_layer("conv1").kernel.numpy(), rng.normal(0, 0.2, 4)])
    return model


@pytest.fixture(scope="module")
def image() -> np.ndarray:
    return np.random.default_rng(1).random((28, 28)).astype(np.float32)


def stage_maps(model, image) -> dict:
    """Every conv stage's output for the image, by stage name."""
    stages = list_feature_layers(model)
    maps = compute_feature_maps(model, image, [stage.output_layer for stage in stages])
    return {stage.name: maps[stage.output_layer] for stage in stages}


def test_switching_a_filter_off_changes_exactly_the_maps_downstream_of_it(small_model, image):
    weights = [weight.copy() for weight in small_model.get_weights()]
    before = stage_maps(small_model, image)
    after = stage_maps(switch_filters_off(small_model, "conv2", [1]), image)
    np.testing.assert_array_equal(after["conv1"], before["conv1"])  # upstream: untouched
    assert np.all(after["conv2"][:, :, 1] == 0)  # the switched-off channel is off after batch norm and ReLU
    assert before["conv2"][:, :, 1].max() > 0
    others = [0, 2, 3, 4, 5]
    np.testing.assert_array_equal(after["conv2"][:, :, others], before["conv2"][:, :, others])
    assert count_changed_channels(before["conv2"], after["conv2"]) == 1
    assert count_changed_channels(before["conv3"], after["conv3"]) >= 1  # downstream: changed
    for kept, original in zip(small_model.get_weights(), weights):
        np.testing.assert_array_equal(kept, original)  # the model itself is never changed


def test_a_conv_with_its_own_bias_and_relu_is_switched_off_too(small_model, image):
    after = stage_maps(switch_filters_off(small_model, "conv1", [0, 3]), image)
    assert np.all(after["conv1"][:, :, [0, 3]] == 0)
    np.testing.assert_array_equal(after["conv1"][:, :, [1, 2]], stage_maps(small_model, image)["conv1"][:, :, [1, 2]])


def test_the_ranking_gives_what_a_copy_with_each_filter_off_gives(small_model, image):
    effects = rank_filters(small_model, image, "conv2")
    assert sorted(effect.channel for effect in effects) == list(range(6))
    assert [effect.drop for effect in effects] == sorted((effect.drop for effect in effects), reverse=True)
    baseline = predict_probabilities(small_model, image)
    digit = int(baseline.argmax())
    for effect in effects:
        switched = predict_probabilities(switch_filters_off(small_model, "conv2", [effect.channel]), image)
        assert effect.probability == pytest.approx(switched[digit], abs=1e-5)
        assert effect.drop == pytest.approx(baseline[digit] - switched[digit], abs=1e-5)


def test_accuracy_on_a_sample_and_with_a_whole_layer_off(small_model):
    images = np.random.default_rng(2).random((20, 28, 28)).astype(np.float32)
    predictions = np.asarray(small_model(images[..., None], training=False)).argmax(axis=1)
    labels = predictions.copy()
    labels[:5] = (labels[:5] + 1) % 10  # five wrong on purpose
    assert measure_accuracy(small_model, images, labels) == pytest.approx(0.75)
    switched = switch_filters_off(small_model, "conv3", range(5))  # the whole last conv layer
    probabilities = np.asarray(switched(images[..., None], training=False))
    np.testing.assert_allclose(probabilities, probabilities[:1].repeat(20, axis=0), atol=1e-6)  # input ignored
    with pytest.raises(ValueError, match="as many labels"):
        measure_accuracy(small_model, images, labels[:3])


@pytest.mark.parametrize(("layer", "channels", "message"), [("conv9", [0], "not a convolution layer"),
                                                           ("pool", [0], "not a convolution layer"),
                                                           ("conv2", [6], "no filter 6"),
                                                           ("conv2", [-1], "no filter -1")])
def test_a_layer_or_filter_the_model_lacks_is_refused_clearly(small_model, layer, channels, message):
    with pytest.raises(ValueError, match=message):
        switch_filters_off(small_model, layer, channels)
