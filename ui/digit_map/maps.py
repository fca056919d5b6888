"""The Digit map page's caches: a map per (model file, layer, method), and the sample's hover thumbnails."""

import time

import streamlit as st

from mnist_cnn.explain.digit_map import build_digit_map, find_map_layer
from mnist_cnn.plots.digit_map import make_digit_thumbnails
from ui.state import load_model_cached, load_test_set_cached

# The map shows the first SAMPLE_SIZE test digits: t-SNE takes about 10–40 s for them on a busy 2-core machine.
SAMPLE_SIZE = 1000


@st.cache_data(max_entries=12, show_spinner="Placing the test digits on the map (once per model, layer and method)…")
def build_map_cached(model_path: str, model_hash: str, layer: str, method: str, sample_size: int):
    """(the DigitMap of the first sample_size test digits, seconds it took), once per model content, layer, method."""
    model = load_model_cached(model_path, model_hash)
    x_test, _ = load_test_set_cached()
    start = time.perf_counter()
    digit_map = build_digit_map(model, find_map_layer(model, layer), x_test[:sample_size], method)
    return digit_map, time.perf_counter() - start


@st.cache_data(show_spinner=False)
def make_thumbnails_cached(sample_size: int) -> list[str]:
    """The first sample_size test digits as small PNG data URLs (the same for every model)."""
    x_test, _ = load_test_set_cached()
    return make_digit_thumbnails(x_test[:sample_size])
