"""The look-inside pages (feature maps, kernels, convolution demo, architecture, how it decided, switch filters off,
whole network, digit map) run in AppTest and show figures."""


import matplotlib.pyplot as plt
import numpy as np
import pytest
from streamlit.runtime.scriptrunner import script_runner
from streamlit.testing.v1 import AppTest

from mnist_cnn import config
from mnist_cnn.model.architectures import build_model
from tests.support.apptest import open_app_page
from tests.support.stores import make_untrained_store

PAGES = ["pages/feature_maps.py", "pages/kernels.py", "pages/convolution.py", "pages/architecture.py",
         "pages/decided.py", "pages/ablation.py",
         "pages/network.py", "pages/digit_map.py"]
APP_PATH = config.PROJECT_ROOT / "app.py"
TIMEOUT = 180  # seconds per run: the machine is small and shared


@pytest.fixture(scope="module")
def batchnorm_store(tmp_path_factory):
    """A model store whose default is an (untrained) batchnorm_cnn: no biases, batch norm, no pooling."""
    return make_untrained_store(tmp_path_factory.mktemp("batchnorm_store"), "batchnorm_cnn",
                                hyperparameters={"learning_rate": 0.002})


@pytest.fixture(scope="module")
def pooling_store(tmp_path_factory):
    """A model store whose default is an (untrained) keras_example: biases and max pooling."""
    return make_untrained_store(tmp_path_factory.mktemp("pooling_store"), "keras_example",
                                hyperparameters={"learning_rate": 0.001})


def open_page(page: str, drawing=None) -> AppTest:
    """Run the app, switch to a page, and run it."""
    return open_app_page(page, TIMEOUT, {"drawing_input": drawing} if drawing is not None else None)


def count_figures(app: AppTest) -> int:
    """How many images (matplotlib figures), Altair/Vega charts and HTML probability bars the page shows."""
    return len(app.get("image")) + len(app.get("vega_lite_chart")) + len(app.get("html"))


def assert_ran_cleanly(app: AppTest) -> None:
    """No exception and no error box on the page."""
    assert not app.exception, [item.value for item in app.exception]
    assert not app.error, [item.value for item in app.error]


@pytest.mark.parametrize("page", PAGES)
def test_page_runs_and_shows_figures_with_the_bundled_model(page):
    app = open_page(page)
    assert_ran_cleanly(app)
    assert count_figures(app) > 0
    assert plt.get_fignums() == []


@pytest.mark.parametrize("page", PAGES)
def test_page_runs_with_a_batchnorm_model(page, batchnorm_store, monkeypatch):
    monkeypatch.setattr(config, "MODELS_DIR", batchnorm_store)
    app = open_page(page)
    assert_ran_cleanly(app)
    assert count_figures(app) > 0


def test_feature_maps_page_shows_every_conv_stage_of_batchnorm_model(batchnorm_store, monkeypatch):
    monkeypatch.setattr(config, "MODELS_DIR", batchnorm_store)
    app = open_page("pages/feature_maps.py")
    headings = [item.value for item in app.subheader]
    for name in ("conv1", "conv2", "conv3", "conv4", "conv5"):
        assert any(heading.startswith(name) for heading in headings), headings
    assert any("after the ReLU" in item.value for item in app.caption)


def test_feature_maps_page_uses_the_drawing_and_pooling_toggle(pooling_store, monkeypatch):
    monkeypatch.setattr(config, "MODELS_DIR", pooling_store)
    drawing = np.zeros((28, 28), "float32")
    drawing[6:22, 12:16] = 1.0  # a "1"
    app = open_page("pages/feature_maps.py", drawing=drawing)
    assert_ran_cleanly(app)
    assert app.radio(key="feature_maps_source").value == "My drawing"
    conv_only = len(app.subheader)
    next(toggle for toggle in app.toggle if toggle.label == "Show pooling layers").set_value(True).run()
    assert_ran_cleanly(app)
    assert len(app.subheader) > conv_only  # pooling layers added
    assert any(heading.startswith("pool1") for heading in (item.value for item in app.subheader))


def test_feature_maps_page_opens_the_handed_over_test_digit():
    app = AppTest.from_file(str(APP_PATH), default_timeout=TIMEOUT)
    app.session_state["feature_map_index"] = 123
    app.run()
    app.switch_page("pages/feature_maps.py")
    app.run()
    assert_ran_cleanly(app)
    assert app.number_input(key="feature_maps_test_index").value == 123
    next(button for button in app.button if button.label == "Random").click().run()
    assert_ran_cleanly(app)


def test_convolution_page_switches_presets_and_writes_the_sum():
    app = open_page("pages/convolution.py")
    app.selectbox(key="convolution_preset").set_value("Laplacian").run()
    assert_ran_cleanly(app)
    assert any(r"\begin{aligned} y_{" in item.value for item in app.latex)
    app.slider(key="convolution_row").set_value(0).run()  # a border pixel: the window reaches outside
    assert_ran_cleanly(app)
    assert any(r"y_{0," in item.value for item in app.latex)


def test_convolution_page_uses_the_drawing_when_there_is_one():
    drawing = np.zeros((28, 28), "float32")
    drawing[10:18, 10:18] = 1.0
    app = open_page("pages/convolution.py", drawing=drawing)
    assert_ran_cleanly(app)
    assert app.radio(key="convolution_source").value == "My drawing"
    assert len(app.get("image")) >= 3  # Sobel panels, your kernel, the worked example


@pytest.mark.slow
def test_reruns_do_not_grow_open_figures(monkeypatch):
    # Streamlit closes every pyplot figure after a run; without that cleanup, a page that forgets to close its
    # figures leaves them open, and this test sees it.
    monkeypatch.setattr(script_runner, "_clean_problem_modules", lambda: None)
    app = open_page("pages/feature_maps.py")
    before = len(plt.get_fignums())
    for _ in range(3):
        app.run()
        assert_ran_cleanly(app)
    app.switch_page("pages/convolution.py")
    for _ in range(3):
        app.run()
    app.switch_page("pages/kernels.py")
    for _ in range(3):
        app.run()
    assert len(plt.get_fignums()) <= before == 0


@pytest.mark.slow
def test_next_misclassified_jumps_to_a_digit_the_model_gets_wrong():
    app = open_page("pages/feature_maps.py")
    next_button = next(button for button in app.button if button.label == "Next misclassified")
    next_button.click().run()
    assert_ran_cleanly(app)
    index = app.number_input(key="feature_maps_test_index").value
    assert index > 0
    assert any(item.value == ":red[**wrong**]" for item in app.markdown)


# --- The architecture page's logic: the layer table and the maths tied to the model's layers. ---

def test_layer_table_has_every_layer_and_the_parameter_total():
    from mnist_cnn.model.network_maths import count_parameters, describe_layers

    model = build_model("keras_example")
    rows = describe_layers(model)
    assert [row["layer"] for row in rows] == [layer.name for layer in model.layers]
    assert sum(row["parameters"] for row in rows) == count_parameters(model)["total"] == 34_826
    conv1 = rows[0]
    assert (conv1["type"], conv1["output shape"], conv1["parameters"]) == ("Conv2D", "26×26×32", 320)
    assert "32 filters 3×3" in conv1["settings"]


def test_batchnorm_model_counts_its_moving_statistics_as_non_trainable():
    from mnist_cnn.model.network_maths import count_parameters

    model = build_model("batchnorm_cnn")
    counts = count_parameters(model)
    channels = [layer.filters for layer in model.layers if type(layer).__name__ == "Conv2D"]
    assert counts["non-trainable"] == 2 * sum(channels)  # moving mean and variance of each channel
    assert counts["trainable"] + counts["non-trainable"] == counts["total"]


def test_maths_topics_name_the_layers_of_the_active_model():
    from mnist_cnn.model.network_maths import match_topics

    topics = {topic.title: (topic, layers) for topic, layers in match_topics(build_model("keras_example"))}
    assert topics["Convolution with ReLU"][1] == ["conv1 (Conv2D + ReLU)", "conv2 (Conv2D + ReLU)"]
    assert topics["Max pooling"][1] == ["pool1 (2×2)", "pool2 (2×2)"]
    assert topics["Flatten"][1] == ["flatten (5×5×64 → 1600)"]
    assert topics["Dropout"][1] == ["dropout (p = 0.5)"]
    assert topics["Softmax"][1] == ["probabilities (softmax)"]
    assert "Batch normalisation" not in topics  # only listed when the model has it

    model = build_model("batchnorm_cnn")
    topics = {topic.title: (topic, layers) for topic, layers in match_topics(model)}
    assert topics["Convolution with ReLU"][1][0] == "conv1 → conv1_bn → conv1_relu"
    assert topics["Batch normalisation"][1] == [f"conv{number}_bn" for number in range(1, 6)]
    pooling, layers = topics["Max pooling"]
    assert layers == [] and "conv2, conv4" in pooling.explain_absence(model)
    assert topics["Flatten"][1] == ["flatten (7×7×160 → 7840)"]
    for title in ("Categorical cross-entropy (the loss)", "Adam (the weight update)"):
        assert len(topics[title][1]) == 1


# --- In a real browser: a drawing made on the Draw page is followed through the network on the other pages. ---

@pytest.mark.browser
def test_a_drawing_is_followed_through_the_network_in_the_browser(app_server, page):
    from playwright.sync_api import expect

    page.goto(app_server)
    canvas = page.locator("canvas").first
    expect(canvas).to_be_visible(timeout=120_000)
    page.wait_for_timeout(500)  # let the canvas attach its pointer handlers
    box = canvas.bounding_box()
    middle = box["x"] + box["width"] / 2
    page.mouse.move(middle, box["y"] + box["height"] * 0.15)
    page.mouse.down()
    page.mouse.move(middle, box["y"] + box["height"] * 0.85, steps=8)
    page.mouse.up()
    prediction = page.get_by_test_id("stMetric").filter(has_text="Prediction").get_by_test_id("stMetricValue")
    expect(prediction).to_have_text("1", timeout=120_000)

    page.get_by_role("link", name="Feature maps").click()
    expect(page.get_by_role("heading", name="Feature maps")).to_be_visible(timeout=60_000)
    expect(page.get_by_role("radio", name="My drawing")).to_be_checked(timeout=60_000)
    expect(page.get_by_test_id("stImageCaption").get_by_text("your drawing")).to_be_visible(timeout=60_000)
    expect(page.get_by_role("heading", name="conv1")).to_be_visible(timeout=60_000)
    expect(page.get_by_test_id("stImage").last).to_be_visible(timeout=60_000)
    assert page.get_by_test_id("stException").count() == 0

    page.get_by_role("link", name="Convolution demo").click()
    expect(page.get_by_role("radio", name="My drawing")).to_be_checked(timeout=60_000)
    expect(page.get_by_text("One output pixel, worked out")).to_be_visible(timeout=60_000)
    assert page.get_by_test_id("stException").count() == 0
