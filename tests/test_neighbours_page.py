"""Neighbours and the map on the Draw page (AppTest): off by default, then 8 neighbours and the PCA map."""

from pathlib import Path

import cv2
import matplotlib.pyplot as plt
import numpy as np
from streamlit.testing.v1 import AppTest

import ui.draw.neighbours

APP_PATH = str(Path(__file__).resolve().parent.parent / "app.py")
RUN_TIMEOUT = 240  # seconds: the first run imports TensorFlow and builds the index


def test_an_uploaded_digit_gets_neighbours_and_a_place_on_the_map(monkeypatch):
    monkeypatch.setattr(ui.draw.neighbours, "BANK_SIZE", 2000)  # a smaller bank keeps the test fast
    monkeypatch.setattr(ui.draw.neighbours, "MAP_SIZE", 500)
    app = AppTest.from_file(APP_PATH, default_timeout=RUN_TIMEOUT)
    app.run()
    app.switch_page("pages/draw.py")
    app.run()
    picture = np.full((200, 160), 235, np.uint8)  # a dark '1' on light paper
    cv2.line(picture, (82, 30), (78, 170), 20, 9, lineType=cv2.LINE_AA)
    ok, data = cv2.imencode(".png", picture)
    app.file_uploader(key="digit_upload").upload("one.png", data.tobytes(), "image/png")
    app.run()
    assert not app.exception, app.exception
    charts_before = len(app.get("vega_lite_chart"))
    toggle = app.toggle(key="draw_show_neighbours_upload")
    assert toggle.value is False
    toggle.set_value(True).run()
    assert not app.exception, app.exception
    assert len(app.get("vega_lite_chart")) == charts_before + 1  # the map
    assert any("closest to your drawing" in item.value for item in app.caption)
    assert plt.get_fignums() == []


def test_the_bundled_models_neighbours_of_a_one_are_mostly_ones():
    from mnist_cnn.data.mnist import load_mnist
    from mnist_cnn.explain.embedding import build_index, find_neighbours
    from mnist_cnn.store.model_store import ModelStore

    (x_train, y_train), (x_test, y_test) = load_mnist()
    model = ModelStore().load("default")
    index = build_index(model, x_train[:2000], x_test[:200], y_test[:200])
    one = x_test[2].astype("float32") / 255.0  # test digit #2 is a 1
    neighbours, _ = find_neighbours(model, index, x_train[:2000], one, 8)
    assert np.sum(y_train[neighbours] == 1) >= 7
