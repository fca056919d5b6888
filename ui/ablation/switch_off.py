"""The Switch-filters-off page's copies and measurements, cached per model file, layer and filters."""

import numpy as np
import pandas as pd
import streamlit as st

from mnist_cnn.data.mnist import DataError
from mnist_cnn.explain.ablation import SAMPLE_SIZE, FilterEffect, measure_accuracy, rank_filters, switch_filters_off
from mnist_cnn.store.model_store import StoredModel
from ui.state import file_hash, load_model_cached, load_test_set_cached

# How many filters the ranking lists.
RANKING_ROWS = 10


@st.cache_resource(max_entries=4, show_spinner="Switching the filters off in a copy of the network…")
def switch_filters_off_cached(model_path: str, model_hash: str, layer_name: str, channels: tuple[int, ...]):
    """The model file's network with these filters off (a copy: never mutate it); the network itself if none."""
    model = load_model_cached(model_path, model_hash)
    return switch_filters_off(model, layer_name, channels) if channels else model


@st.cache_data(max_entries=32, show_spinner=f"Measuring the accuracy on {SAMPLE_SIZE} test digits…")
def measure_sample_accuracy_cached(model_path: str, model_hash: str, layer_name: str,
                                   channels: tuple[int, ...]) -> float:
    """The accuracy of the network with these filters off on the first SAMPLE_SIZE test digits."""
    x_test, y_test = load_test_set_cached()
    model = switch_filters_off_cached(model_path, model_hash, layer_name, channels)
    return measure_accuracy(model, x_test[:SAMPLE_SIZE], y_test[:SAMPLE_SIZE])


@st.cache_data(max_entries=32, show_spinner="Switching each filter off in turn…")
def rank_filters_cached(model_path: str, model_hash: str, image: np.ndarray, layer_name: str) -> list[FilterEffect]:
    """rank_filters for the model file, one digit and layer."""
    return rank_filters(load_model_cached(model_path, model_hash), image, layer_name)


def switched_off_model(stored: StoredModel, layer_name: str, channels: tuple[int, ...]):
    """The active model with these filters off (cached; the model itself when there are none)."""
    return switch_filters_off_cached(str(stored.model_path), file_hash(stored), layer_name, tuple(channels))


def sample_accuracy(stored: StoredModel, layer_name: str, channels: tuple[int, ...]) -> float | None:
    """The sample accuracy with these filters off, or None when the test set cannot be loaded."""
    try:
        return measure_sample_accuracy_cached(str(stored.model_path), file_hash(stored), layer_name,
                                              tuple(channels))
    except DataError:
        return None


def ranking_table(stored: StoredModel, image: np.ndarray, layer_name: str, digit: int) -> pd.DataFrame:
    """The RANKING_ROWS filters whose loss alone costs the predicted digit most probability."""
    effects = rank_filters_cached(str(stored.model_path), file_hash(stored), image, layer_name)[:RANKING_ROWS]
    return pd.DataFrame({
        "Filter": [effect.channel for effect in effects],
        f"P({digit}) with it off": [f"{effect.probability:.2%}" for effect in effects],
        "Drop (points)": [round(effect.drop * 100, 3) for effect in effects],
    })
