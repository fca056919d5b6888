"""The Digit map page (AppTest): the layer, method and colour choices, the digit's placement as the caption says, a
model with dense layers, and a link that keeps the choices."""

import json

import pytest

from mnist_cnn import config
from mnist_cnn.lessons.link import build_options
from tests.support.apptest import open_app_link
from ui.digit_map import maps

TIMEOUT = 180  # seconds per run: the machine is small and shared
SAMPLE = 150  # test digits on the map: enough for t-SNE, quick on a small machine


@pytest.fixture(autouse=True)
def small_sample(monkeypatch):
    """Maps of SAMPLE test digits instead of the page's 1,000."""
    monkeypatch.setattr(maps, "SAMPLE_SIZE", SAMPLE)


@pytest.fixture(scope="module")
def dense_store(tmp_path_factory):
    """A model store whose default is an (untrained) three_conv64_dense64_32: pooling and two dense layers."""
    from tests.support.stores import make_untrained_store

    return make_untrained_store(tmp_path_factory.mktemp("dense_store"), "three_conv64_dense64_32")


def run_again(app):
    """The app run again after a widget change; fails on any exception or error box."""
    app.run()
    assert not app.exception, [item.value for item in app.exception]
    assert not app.error, [item.value for item in app.error]
    return app


def map_caption(app) -> str:
    return next(item.value for item in app.caption if item.value.startswith("**Black diamond"))


def chart_colour_field(app) -> str:
    spec = json.loads(app.get("vega_lite_chart")[0].proto.spec)
    return spec["layer"][0]["encoding"]["color"]["field"]


def test_the_method_layer_and_colour_choices_redraw_the_map(dense_store, monkeypatch):
    monkeypatch.setattr(config, "MODELS_DIR", dense_store)
    app = open_app_link({"page": "digit_map"}, TIMEOUT)
    assert app.title[0].value == "Digit map"
    assert app.selectbox(key="digit_map_layer").value == "dense2"  # the last hidden layer first
    assert [option.split(" ")[0] for option in app.selectbox(key="digit_map_layer").options] == \
           ["conv1", "pool1", "conv2", "pool2", "conv3", "pool3", "dense1", "dense2"]
    assert "projected onto the same two axes" in map_caption(app) and f"these {SAMPLE} digits" in map_caption(app)
    assert chart_colour_field(app) == "digit"
    app.radio(key="digit_map_method").set_value("t-SNE")
    app.selectbox(key="digit_map_layer").set_value("conv2")
    app.radio(key="digit_map_colour").set_value("Right or wrong")
    run_again(app)
    assert "average position of its 10 nearest map digits" in map_caption(app)
    assert chart_colour_field(app) == "result"
    assert build_options("digit_map", app.session_state) == {  # what the address bar and a shared link keep
        "input": "test", "layer": "conv2", "method": "t-sne", "colour": "right_or_wrong"}


def test_a_link_opens_the_map_of_its_layer_and_method_on_its_test_digit():
    app = open_app_link({"page": "digit_map", "layer": "conv3", "method": "t-sne", "input": "test", "digit": "5"},
                        TIMEOUT)
    assert not app.toast, [item.value for item in app.toast]
    assert app.selectbox(key="digit_map_layer").value == "conv3"
    assert app.radio(key="digit_map_method").value == "t-SNE"
    assert "test digit #5" in map_caption(app)


def test_a_layer_the_model_lacks_falls_back_to_the_last_hidden_layer():
    app = open_app_link({"page": "digit_map", "layer": "dense7"}, TIMEOUT)
    assert app.selectbox(key="digit_map_layer").value == "conv5"
    assert not app.error, [item.value for item in app.error]
