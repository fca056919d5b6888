"""The whole-network flow: one stage per conv/pooling/dense layer with the right shapes, the model's own answer, the
small multiples on one scale per layer, and a chart whose thumbnails are clickable."""

import base64

import cv2
import keras
import numpy as np
import pytest

from mnist_cnn.explain.network_flow import (as_probabilities, compute_network_flow, find_stage, list_flow_layers,
                                            make_small_multiples)
from mnist_cnn.inputs.images import to_png_data_url
from mnist_cnn.model.architectures import ARCHITECTURES, build_model
from mnist_cnn.plots.network_flow import MAP_SELECTION, TILES_PER_ROW, lay_out_flow, make_network_chart


@pytest.fixture(scope="module")
def image():
    """A bright square on black: (28, 28) floats in [0, 1]."""
    picture = np.zeros((28, 28), "float32")
    picture[8:20, 10:18] = 1.0
    return picture


def decode_data_url(url: str) -> np.ndarray:
    """The pixels of a PNG data URL (as OpenCV reads them: grey, or BGR)."""
    assert url.startswith("data:image/png;base64,")
    data = np.frombuffer(base64.b64decode(url.split(",", 1)[1]), np.uint8)
    return cv2.imdecode(data, cv2.IMREAD_UNCHANGED)


def test_keras_example_flow_has_every_stage_with_its_shape_and_the_models_answer(image):
    keras.utils.set_random_seed(0)
    model = build_model("keras_example")
    stages = compute_network_flow(model, image)
    assert [(stage.name, stage.kind, stage.values.shape) for stage in stages] == [
        ("input", "input", (28, 28, 1)), ("conv1", "conv", (26, 26, 32)), ("pool1", "pool", (13, 13, 32)),
        ("conv2", "conv", (11, 11, 64)), ("pool2", "pool", (5, 5, 64)), ("probabilities", "output", (10,))]
    expected = np.asarray(model(image.reshape(1, 28, 28, 1), training=False))[0]
    np.testing.assert_allclose(stages[-1].values, expected, rtol=1e-5, atol=1e-6)
    maps = make_small_multiples(find_stage(stages, "conv2"))
    assert maps.shape == (64, 11, 11) and maps.min() == 0.0 and maps.max() == pytest.approx(1.0)
    with pytest.raises(ValueError):
        make_small_multiples(stages[-1])
    with pytest.raises(ValueError):
        find_stage(stages, "dense")


def test_dense_layers_become_stages_of_units(image):
    model = build_model("three_conv64_dense64_32")
    stages = compute_network_flow(model, image)
    assert [(stage.name, stage.values.shape) for stage in stages if stage.kind == "dense"] == \
           [("dense1", (64,)), ("dense2", (32,))]
    assert stages[-1].values.sum() == pytest.approx(1.0, abs=1e-5)


@pytest.mark.parametrize("architecture", list(ARCHITECTURES))
def test_every_preset_lists_its_conv_pooling_and_dense_layers(architecture):
    model = build_model(architecture)
    names = [name for name, _, _, _ in list_flow_layers(model)]
    conv_and_pool = [layer.name for layer in model.layers
                     if isinstance(layer, (keras.layers.Conv2D, keras.layers.MaxPooling2D))]
    dense = [layer.name for layer in model.layers[:-1] if isinstance(layer, keras.layers.Dense)]
    assert names == conv_and_pool + dense


def test_logits_are_turned_into_probabilities():
    np.testing.assert_allclose(as_probabilities(np.array([0.2, 0.8])), [0.2, 0.8])
    probabilities = as_probabilities(np.array([0.0, np.log(3.0)]))
    np.testing.assert_allclose(probabilities, [0.25, 0.75], rtol=1e-6)


def test_png_data_urls_keep_the_pixels():
    grey = np.arange(12, dtype=np.uint8).reshape(3, 4) * 20
    np.testing.assert_array_equal(decode_data_url(to_png_data_url(grey)), grey)
    colour = np.zeros((2, 2, 3), np.uint8)
    colour[0, 0] = (255, 0, 0)  # red, as RGB
    np.testing.assert_array_equal(decode_data_url(to_png_data_url(colour))[0, 0], (0, 0, 255))  # BGR when read
    with pytest.raises(ValueError):
        to_png_data_url(np.zeros((2, 2, 2)))


def test_the_chart_has_one_clickable_thumbnail_per_channel_and_outlines_the_picked_one(image):
    stages = compute_network_flow(build_model("keras_example"), image)
    parts = lay_out_flow(stages)
    tiles = [tile for tile in parts["tiles"] if tile["stage"] != "input"]
    assert len(tiles) == 32 + 32 + 64 + 64
    conv2 = [tile for tile in tiles if tile["layer"] == "conv2"]
    assert len({tile["y"] for tile in conv2}) == -(-64 // TILES_PER_ROW)  # rows of at most TILES_PER_ROW
    assert len(parts["cells"]) == 10 and len(parts["arrows"]) == len(stages) - 1
    assert all(later["y"] > earlier["y"] for earlier, later in zip(parts["titles"], parts["titles"][1:]))
    assert decode_data_url(conv2[0]["url"]).shape[2] == 3  # a colour thumbnail
    spec = make_network_chart(stages, ("conv2", 5)).to_dict()
    selection = next(param for param in spec["params"] if param["name"] == MAP_SELECTION)
    assert selection["select"]["fields"] == ["layer", "channel"]
    assert selection["views"] == [spec["layer"][1]["name"]]  # the thumbnails' layer
    assert len(spec["layer"]) == 8  # input, thumbnails, cells, labels, titles, arrows, arrow heads, the outline
