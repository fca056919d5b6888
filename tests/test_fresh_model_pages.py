"""The teaching features on a freshly trained model (AppTest): a tiny model, stored and opened through a lesson link.

Items 1-6, 8 and 9 of issue 17 on a model that is not the bundled one: what-if and neighbours (Draw), the traced
unit and an enlarged channel (Feature maps), what a filter looks for (Kernels), step by step (Convolution demo),
fooling it (Fool), and taking it home (Training); each page is opened by a link naming the model. Items 3 and 6 of
issue 31 too: the whole network at once and the digit map."""

import cv2
import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from mnist_cnn import config
from mnist_cnn.explain.feature_maps import list_feature_layers
from mnist_cnn.store.model_store import ModelStore, build_metadata
from tests.conftest import copy_bundled_models

APP_PATH = str(config.PROJECT_ROOT / "app.py")
TIMEOUT = 180  # seconds per run: the machine is small and shared
MODEL_NAME = "fresh-tiny"


@pytest.fixture(scope="module")
def fresh_model(tmp_path_factory, tiny_trained_model):
    """The tiny trained model saved into a private store (with the bundled default); its conv and pooling layers."""
    directory = copy_bundled_models(tmp_path_factory.mktemp("fresh") / "models")
    metadata = build_metadata(tiny_trained_model, "keras_example", {"epochs": 1}, {"loss": [1.0]}, [1.0], 1.0,
                              0.5, 0.8)
    ModelStore(directory).save(tiny_trained_model, metadata, name=MODEL_NAME)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(config, "MODELS_DIR", directory)
        yield list_feature_layers(tiny_trained_model, include_pooling=True)


def open_link(query: dict[str, str]) -> AppTest:
    """The app opened with a link to a page on the fresh model, after its runs, with no exception."""
    app = AppTest.from_file(APP_PATH, default_timeout=TIMEOUT)
    for name, value in {"model": MODEL_NAME, **query}.items():
        app.query_params[name] = value
    app.run()
    assert not app.exception, [item.value for item in app.exception]
    assert app.session_state["active_model_name"] == MODEL_NAME
    return app


def test_feature_maps_trace_a_unit_and_enlarge_a_channel(fresh_model):
    conv, pool = (next(layer for layer in fresh_model if layer.kind == kind) for kind in ("conv", "pool"))
    app = open_link({"page": "feature_maps", "digit": "11", "pooling": "1", "layer": pool.name, "channel": "3",
                     "trace_layer": conv.name, "trace_channel": "2", "row": "9", "col": "20"})
    assert app.number_input(key=f"feature_maps_enlarge_channel_{pool.name}").value == 3
    assert app.number_input(key=f"trace_channel_{conv.name}").value == 2
    assert any(f"Receptive field of {conv.name} (9, 20)" in item.value for item in app.caption)


def test_the_whole_network_and_the_digit_map_open_the_fresh_model(fresh_model, monkeypatch):
    from ui.digit_map import maps

    pool = next(layer for layer in fresh_model if layer.kind == "pool")
    app = open_link({"page": "network", "digit": "4", "layer": pool.name, "channel": "7"})
    assert any(item.value.startswith(pool.description) for item in app.caption)  # the picked map, opened
    monkeypatch.setattr(maps, "SAMPLE_SIZE", 120)  # a small t-SNE map
    app = open_link({"page": "digit_map", "layer": pool.name, "method": "t-sne"})
    assert app.selectbox(key="digit_map_layer").value == pool.name
    assert any("nearest map digits" in item.value for item in app.caption)


def test_kernels_show_what_a_filter_looks_for(fresh_model):
    deeper = [layer for layer in fresh_model if layer.kind == "conv"][-1]
    app = open_link({"page": "kernels", "layer": deeper.name, "filter": "4", "classes": "1"})
    assert app.number_input(key=f"filter_views_channel_{deeper.name}").value == 4
    captions = " ".join(item.value for item in app.caption)
    assert "channel 4" in captions and "Each image starts grey" in captions


def test_convolution_step_by_step_uses_the_fresh_models_logits(fresh_model):
    app = open_link({"page": "convolution", "input": "test", "digit": "5", "padding": "0", "stride": "2"})
    assert any("= 13" in item.value for item in app.latex)  # ⌊(28 − 3) / 2⌋ + 1
    assert [frame for frame in app.dataframe if "logit z" in frame.value.columns]


def test_fool_attacks_the_fresh_model(fresh_model):
    app = open_link({"page": "fool", "input": "test", "digit": "0", "method": "pgd", "strength": "0.3"})
    assert {"Prediction before", "Prediction after"} <= {metric.label for metric in app.metric}
    outcomes = [item.value for item in [*app.success, *app.info]]
    assert any(text.startswith(("Fooled", "Not fooled", "The network already")) for text in outcomes)


def test_draw_what_if_and_neighbours_on_an_upload(fresh_model):
    app = open_link({"page": "draw"})
    picture = np.full((300, 300), 235, np.uint8)  # a dark '7' on light paper
    cv2.line(picture, (60, 60), (220, 60), 20, 14)
    cv2.line(picture, (220, 60), (110, 260), 20, 14)
    app.file_uploader(key="digit_upload").upload("seven.png", cv2.imencode(".png", picture)[1].tobytes(),
                                                 "image/png")
    app.run()
    app.toggle(key="what_if_on_upload").set_value(True).run()
    app.slider(key="what_if_rotation_upload").set_value(45).run()
    app.toggle(key="draw_show_neighbours_upload").set_value(True).run()
    assert not app.exception, [item.value for item in app.exception]
    assert [metric for metric in app.metric if metric.label == "The network now reads"]
    assert any("closest to your drawing" in item.value for item in app.caption)


def test_the_fresh_model_can_be_taken_home(fresh_model):
    app = open_link({"page": "training"})
    choice = app.selectbox(key="exchange_download_choice")
    assert MODEL_NAME in choice.options
    choice.set_value(MODEL_NAME).run()
    assert not app.exception, [item.value for item in app.exception]
    assert app.selectbox(key="exchange_download_choice").value == MODEL_NAME
    assert len(app.get("download_button")) == 1  # its zip is checked in tests/test_model_exchange.py
