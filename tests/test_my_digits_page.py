"""AppTest for the My digits page: counts, accuracy on the set, deletion and clearing with confirmation."""


import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from mnist_cnn import config
from mnist_cnn.my_digits.collections import MyDigitsStore
from tests.support.apptest import open_app_page


@pytest.fixture
def user_store(tmp_path, monkeypatch, mnist):
    """A private user-data folder holding three MNIST test digits as 'drawings'."""
    monkeypatch.setattr(config, "USER_DATA_DIR", tmp_path)
    store = MyDigitsStore(tmp_path / "my_digits.sqlite3")
    _, (x_test, y_test) = mnist
    for index in range(3):
        store.add(int(y_test[index]), x_test[index].astype(np.float32) / 255.0)
    return store


def open_page() -> AppTest:
    return open_app_page("pages/my_digits.py", timeout=120)


def metric_value(app: AppTest, label: str) -> str:
    return next(metric.value for metric in app.metric if metric.label == label)


def test_page_shows_counts_and_the_models_accuracy(user_store):
    app = open_page()
    assert metric_value(app, "Drawings") == "3"
    assert metric_value(app, "Model accuracy on them").endswith("%")


def test_delete_one_then_clear_all_with_confirmation(user_store):
    app = open_page()
    delete_buttons = [button for button in app.button if button.key and button.key.startswith("delete_")]
    delete_buttons[0].click().run()
    assert metric_value(app, "Drawings") == "2"
    assert len(user_store.list_digits()) == 2
    clear = next(button for button in app.button if button.label == "Delete all")
    assert clear.disabled, "clearing needs the confirmation first"
    app.checkbox(key="confirm_clear").check().run()
    next(button for button in app.button if button.label == "Delete all").click().run()
    assert not app.exception
    assert user_store.list_digits() == []
    assert metric_value(app, "Drawings") == "0"


def test_an_empty_collection_names_the_controls_that_save_a_drawing(tmp_path, monkeypatch):
    monkeypatch.setattr(config, "USER_DATA_DIR", tmp_path)
    app = open_page()
    assert not app.exception
    hint = next(info.value for info in app.info if "No drawings yet" in info.value)
    assert "Teach it your handwriting" in hint and "Save" not in hint
