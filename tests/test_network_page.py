"""The Whole network page (AppTest): every layer in one chart, a picked map opened large, its unit traced on the
Feature maps page, a link that keeps the pick, and a model with dense hidden layers."""

import pytest

from mnist_cnn import config
from tests.support.apptest import open_app_link, open_app_page
from tests.support.stores import make_untrained_store

TIMEOUT = 180  # seconds per run: the machine is small and shared


@pytest.fixture(scope="module")
def dense_store(tmp_path_factory):
    """A model store whose default is an (untrained) three_conv64_dense64_32: pooling and two dense layers."""
    return make_untrained_store(tmp_path_factory.mktemp("dense_store"), "three_conv64_dense64_32")


def test_a_picked_map_opens_large_and_its_unit_is_traced_on_the_feature_maps_page():
    app = open_app_link({"page": "network"}, TIMEOUT)
    assert app.title[0].value == "Whole network"
    assert any("Click any feature map" in item.value for item in app.info)
    chart = app.get("vega_lite_chart")[0]
    assert list(chart.proto.selection_mode) == ["map"]  # a click on a thumbnail reruns the page with its pick
    app.session_state["network_layer"], app.session_state["network_channel_conv2"] = "conv2", 5
    app.run()  # as a click on conv2's sixth thumbnail sets them
    assert not app.exception, [item.value for item in app.exception]
    assert any(item.value.startswith("conv2 → conv2_bn → conv2_relu · 14×14×32") for item in app.caption)
    assert (app.query_params["layer"], app.query_params["channel"]) == ("conv2", "5")  # kept in the link
    app.button(key="network_trace").click().run()
    assert not app.exception, [item.value for item in app.exception]
    assert app.title[0].value == "Feature maps"
    assert app.selectbox(key="trace_layer").value == "conv2"
    assert app.number_input(key="trace_channel_conv2").value == 5
    assert app.radio(key="feature_maps_source").value == "Test digit"


def test_a_link_opens_the_picked_map_on_the_links_digit():
    app = open_app_link({"page": "network", "input": "test", "digit": "12", "layer": "conv4", "channel": "63"},
                        TIMEOUT)
    assert app.title[0].value == "Whole network"
    assert app.number_input(key="network_test_index").value == 12
    assert any(item.value.startswith("conv4 → ") for item in app.caption)
    assert any("test digit #12" in item.value for item in app.markdown)


def test_a_model_with_dense_layers_shows_them_between_the_maps_and_the_answer(dense_store, monkeypatch):
    monkeypatch.setattr(config, "MODELS_DIR", dense_store)
    app = open_app_page("pages/network.py", TIMEOUT)
    assert not app.error, [item.value for item in app.error]
    app.session_state["network_layer"], app.session_state["network_channel_pool3"] = "pool3", 2
    app.run()
    assert any(item.value.startswith("pool3 · 3×3×64") for item in app.caption)
    assert app.button(key="network_trace")  # pooling layers before the dense ones can be traced
