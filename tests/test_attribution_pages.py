"""The How-it-decided and Switch-filters-off pages in AppTest: the maps and the sanity check, filters switched off."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from mnist_cnn import config
from mnist_cnn.explain.attribution import METHODS
from tests.support.apptest import open_app_link, open_app_page
from tests.support.stores import make_untrained_store


@pytest.fixture(scope="module")
def dropout_store(tmp_path_factory):
    """A model store whose default is an (untrained) keras_example: biases, max pooling and dropout."""
    return make_untrained_store(tmp_path_factory.mktemp("dropout_store"), "keras_example")


def assert_ran_cleanly(app: AppTest) -> None:
    """No exception, no error box and no figure left open."""
    assert not app.exception, [item.value for item in app.exception]
    assert not app.error, [item.value for item in app.error]
    assert plt.get_fignums() == []


def caption_texts(app: AppTest) -> str:
    return " ".join(item.value for item in app.caption)


def table_column(app: AppTest, column: str) -> list:
    """One column of the first table on the page that has it."""
    return next(frame.value[column].tolist() for frame in app.dataframe if column in frame.value.columns)


def test_the_maps_their_costs_and_the_sanity_check_on_the_bundled_model():
    app = open_app_link({"page": "decided", "explain": "3"})  # a lesson link's class to explain
    assert_ran_cleanly(app)
    lines = " ".join(item.value for item in app.markdown)
    for method in METHODS:
        assert f"**{method.name}**" in lines
    assert "170 forward and 0 backward passes" in lines and "33 forward and 33 backward passes" in lines
    assert "gives **3** its score" in caption_texts(app)
    assert len(app.get("image")) >= 2  # the digit and the maps
    app.toggle(key="decided_randomise").set_value(True).run()
    assert_ran_cleanly(app)
    verdicts = dict(zip(table_column(app, "Method"), table_column(app, "With random weights")))
    assert set(verdicts) == {method.name for method in METHODS}
    assert verdicts["Gradients"] == "changed"  # plain gradients are nothing but the weights at work
    assert any(item.value.startswith("**Changed with random weights:**") for item in app.markdown)
    assert "below 0.5" in caption_texts(app)
    assert {"explain": "3", "random": "1"}.items() <= dict(app.query_params).items()


def test_switching_filters_off_updates_the_answer_maps_and_accuracy():
    app = open_app_link({"page": "ablation", "digit": "4", "layer": "conv2", "off": "0,1"})
    assert_ran_cleanly(app)
    assert app.multiselect(key="ablation_off_conv2").value == [0, 1]
    assert app.number_input(key="ablation_test_index").value == 4
    changed = dict(zip(table_column(app, "Layer"), table_column(app, "Channels changed")))
    assert changed["conv1"] == "0 of 16" and changed["conv2"] == "2 of 32"
    assert int(changed["conv3"].split()[0]) > 0
    assert len(table_column(app, "Filter")) == 10  # the ranking
    app.toggle(key="ablation_whole_layer").set_value(True).run()
    assert_ran_cleanly(app)
    accuracies = [item.value for item in app.caption if item.value.startswith("Accuracy on the first 500")]
    on, off = (float(text.split("**")[1].rstrip("%")) for text in accuracies)
    assert on > 90 and off < on - 20  # every conv2 filter off: the network is lost
    changed = dict(zip(table_column(app, "Layer"), table_column(app, "Channels changed")))
    assert changed["conv2"] == "32 of 32"
    app.button(key="ablation_switch_top").click().run()  # exactly the ranking's top three, the whole layer on again
    top = table_column(app, "Filter")[:3]
    assert app.multiselect(key="ablation_off_conv2").value == sorted(top)
    assert not app.toggle(key="ablation_whole_layer").value
    assert {"layer": "conv2", "off": ",".join(map(str, sorted(top)))}.items() <= dict(app.query_params).items()
    assert dict(zip(table_column(app, "Layer"), table_column(app, "Channels changed")))["conv2"] == "3 of 32"


def test_both_pages_work_on_a_drawing_with_another_architecture(dropout_store, monkeypatch):
    monkeypatch.setattr(config, "MODELS_DIR", dropout_store)
    drawing = np.zeros((28, 28), "float32")
    drawing[6:22, 12:16] = 1.0  # a "1"
    app = open_app_page("pages/ablation.py", session_state={"drawing_input": drawing, "ablation_off_conv1": [2]})
    assert app.radio(key="ablation_source").value == "My drawing"
    changed = dict(zip(table_column(app, "Layer"), table_column(app, "Channels changed")))
    assert changed == {"conv1": "1 of 32", "conv2": "64 of 64"}
    app.session_state["decided_randomise"] = True
    app.switch_page("pages/decided.py").run()
    assert_ran_cleanly(app)
    assert app.radio(key="decided_source").value == "My drawing"
    assert len(table_column(app, "Method")) == len(METHODS)
