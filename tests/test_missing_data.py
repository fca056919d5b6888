"""With data/mnist.npz missing or corrupted, data pages explain it and the Draw page still works."""

from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from mnist_cnn import config

APP_PATH = str(Path(__file__).resolve().parent.parent / "app.py")
DATA_PAGES = ["pages/mistakes.py", "pages/feature_maps.py", "pages/convolution.py"]


@pytest.fixture(params=["missing", "corrupted"])
def broken_data(request, tmp_path, monkeypatch):
    """Point the loader at a missing or corrupted mnist.npz and make Keras's download fail."""
    import keras

    path = tmp_path / "mnist.npz"
    if request.param == "corrupted":
        path.write_bytes(config.DATA_PATH.read_bytes()[:100_000])
    monkeypatch.setattr(config, "DATA_PATH", path)

    def offline():
        raise OSError("no network")

    monkeypatch.setattr(keras.datasets.mnist, "load_data", offline)
    st.cache_data.clear()
    yield request.param
    st.cache_data.clear()


def open_page(page: str | None) -> AppTest:
    app = AppTest.from_file(APP_PATH, default_timeout=120)
    app.run()
    if page:
        app.switch_page(page)
        app.run()
    return app


@pytest.mark.parametrize("page", DATA_PAGES)
def test_data_pages_show_a_clear_message(broken_data, page):
    app = open_page(page)
    assert not app.exception
    messages = " ".join(error.value for error in app.error)
    assert "MNIST" in messages and ("sha256" in messages or "not found" in messages)


def test_the_draw_page_still_works_with_the_bundled_model(broken_data):
    app = open_page(None)
    assert not app.exception
    assert not app.error
    assert any("Draw a digit" in title.value for title in app.title)
