"""Feature-map extraction: every conv stage (and pooling layer) of every architecture, with the right shapes."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

from mnist_cnn.explain.feature_maps import (build_activation_model, compute_colour_limits, compute_feature_maps,
                                            get_activation_model, list_feature_layers)
from mnist_cnn.model.architectures import ARCHITECTURES, build_model
from mnist_cnn.plots.network import make_channel_heatmap, make_feature_map_grid, tile_maps
from mnist_cnn.store.model_store import load_keras_model


@pytest.fixture(scope="module")
def models():
    """One untrained model of every architecture in the registry."""
    return {name: build_model(name) for name in ARCHITECTURES}


@pytest.mark.parametrize("name", list(ARCHITECTURES))
def test_one_array_per_requested_layer_with_its_output_shape(models, name, random_images):
    model = models[name]
    layers = list_feature_layers(model, include_pooling=True)
    assert any(layer.kind == "conv" for layer in layers)
    maps = compute_feature_maps(model, random_images[0], [layer.output_layer for layer in layers])
    assert list(maps) == [layer.output_layer for layer in layers]
    for layer in layers:
        expected = tuple(model.get_layer(layer.output_layer).output.shape[1:])
        assert maps[layer.output_layer].shape == expected == layer.output_shape


@pytest.mark.parametrize("name", list(ARCHITECTURES))
def test_conv_layers_are_found_by_type_whatever_their_names(models, name):
    model = models[name]
    conv_names = [layer.name for layer in model.layers if type(layer).__name__ == "Conv2D"]
    pool_names = [layer.name for layer in model.layers
                  if type(layer).__name__ in ("MaxPooling2D", "AveragePooling2D")]
    assert [layer.name for layer in list_feature_layers(model)] == conv_names
    with_pooling = list_feature_layers(model, include_pooling=True)
    assert [layer.name for layer in with_pooling if layer.kind == "pool"] == pool_names


def test_batchnorm_stage_shows_the_output_after_relu(models, random_images):
    model = models["batchnorm_cnn"]
    first = list_feature_layers(model)[0]
    assert first.steps == ("conv1", "conv1_bn", "conv1_relu")
    assert first.output_layer == "conv1_relu"
    maps = compute_feature_maps(model, random_images[0], [first.output_layer])
    assert maps["conv1_relu"].min() >= 0.0  # after ReLU


def test_matches_the_model_run_layer_by_layer(models, random_images):
    model = models["keras_example"]
    image = random_images[:1]
    expected = model.get_layer("conv1")(image)
    maps = compute_feature_maps(model, image[0], ["conv1"])
    np.testing.assert_allclose(maps["conv1"], np.asarray(expected)[0], rtol=1e-5, atol=1e-6)


def test_works_on_a_model_loaded_from_a_keras_file(tmp_path, models, random_images):
    models["batchnorm_cnn"].save(tmp_path / "model.keras")
    loaded = load_keras_model(tmp_path / "model.keras")
    names = [layer.output_layer for layer in list_feature_layers(loaded)]
    maps = compute_feature_maps(loaded, random_images[0], names)
    original = compute_feature_maps(models["batchnorm_cnn"], random_images[0], names)
    for name in names:
        np.testing.assert_allclose(maps[name], original[name], rtol=1e-5, atol=1e-6)


def test_activation_model_is_built_once_per_model_and_layers(models):
    model = models["keras_example"]
    first = get_activation_model(model, ["conv1", "conv2"])
    assert get_activation_model(model, ("conv1", "conv2")) is first
    assert get_activation_model(model, ["conv1"]) is not first


def test_unknown_layer_name_is_a_value_error(models):
    with pytest.raises(ValueError, match="no layer named"):
        build_activation_model(models["keras_example"], ("nope",))


def test_colour_limits_shared_per_layer_or_per_channel():
    maps = np.stack([np.zeros((4, 4)), np.full((4, 4), 2.0), np.arange(16.0).reshape(4, 4)], axis=-1)
    low, high = compute_colour_limits(maps)
    assert np.all(low == 0) and np.all(high == 15)
    low, high = compute_colour_limits(maps, per_channel=True)
    assert list(low) == [0, 2, 0] and high[2] == 15 and high[0] > low[0]  # a flat channel gets a valid range


def test_tile_maps_places_each_channel():
    maps = np.arange(2 * 2 * 3, dtype="float32").reshape(2, 2, 3)
    mosaic = tile_maps(maps, columns=2, gap=1)
    assert mosaic.shape == (5, 5)
    np.testing.assert_array_equal(mosaic[3:5, 0:2], maps[:, :, 2])
    assert np.isnan(mosaic[2, 0]) and np.isnan(mosaic[3, 3])


@pytest.mark.parametrize("per_channel", [False, True])
def test_feature_map_grid_has_a_colour_bar(per_channel):
    figure = make_feature_map_grid(np.random.default_rng(0).random((7, 7, 20)), "conv", per_channel=per_channel)
    try:
        assert len(figure.axes) == 2  # the mosaic and its colour bar
    finally:
        plt.close(figure)


def test_channel_heatmap_has_one_cell_per_pixel_and_a_tooltip():
    chart = make_channel_heatmap(np.arange(12.0).reshape(3, 4), "c")
    spec = chart.to_dict()
    assert len(chart.data) == 12
    assert "tooltip" in spec["encoding"]
