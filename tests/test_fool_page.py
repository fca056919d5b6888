"""The Fool-the-model page runs in AppTest, attacks a test digit or the drawing, and says when it fooled the model."""

import matplotlib.pyplot as plt
from streamlit.testing.v1 import AppTest

from mnist_cnn.data.mnist import load_mnist
from tests.support.apptest import open_app_page

TIMEOUT = 180  # seconds per run: the machine is small and shared


def open_fool_page(drawing=None) -> AppTest:
    return open_app_page("pages/fool.py", TIMEOUT, {"drawing_input": drawing} if drawing is not None else None)


def metric_value(app: AppTest, label: str) -> str:
    return next(metric.value for metric in app.metric if metric.label == label)


def test_iterative_attack_on_a_test_digit_fools_the_bundled_model():
    app = open_fool_page()
    assert app.radio(key="fool_source").value == "Test digit"
    assert len(app.get("image")) >= 1  # the three-panel figure
    app.radio(key="fool_method").set_value(app.radio(key="fool_method").options[1]).run()
    app.slider(key="fool_strength").set_value(0.3).run()
    assert not app.exception, [item.value for item in app.exception]
    assert metric_value(app, "Prediction before") == "7"  # test digit #0 is a 7
    assert metric_value(app, "Prediction after") != "7"
    assert any(item.value.startswith("Fooled") for item in app.success)
    assert plt.get_fignums() == []


def test_targeted_attack_on_the_drawing_reaches_its_target():
    _, (x_test, _) = load_mnist()
    app = open_fool_page(drawing=x_test[1].astype("float32") / 255.0)  # a 2
    assert app.radio(key="fool_source").value == "My drawing"
    app.radio(key="fool_method").set_value(app.radio(key="fool_method").options[1]).run()
    app.radio(key="fool_goal").set_value("A digit I choose").run()
    app.selectbox(key="fool_target").set_value(3).run()
    app.slider(key="fool_strength").set_value(0.3).run()
    assert not app.exception, [item.value for item in app.exception]
    assert metric_value(app, "Prediction after") == "3"
    assert not app.error
