"""Cached models and data, and the session state every page shares."""

import time
from pathlib import Path

import numpy as np
import streamlit as st

from mnist_cnn import config
from mnist_cnn.data.mnist import DataError, load_mnist
from mnist_cnn.store.model_store import ModelStore, ModelStoreError, StoredModel, load_keras_model
from mnist_cnn.store.restore import describe_empty_store
from ui.network_ready import is_network_ready, show_warming_up

# Session-state keys and their defaults, set once per session.
SESSION_DEFAULTS = {
    "active_model_name": config.DEFAULT_MODEL_NAME,  # the model every page uses
    "drawing_input": None,        # (28, 28) float32 of the last drawing, shared across pages
    "drawing_source": None,       # what drawing_input came from ("canvas" or "upload")
    "feature_map_index": None,    # a test digit to open on the feature-map page
}


def init_session_state() -> None:
    """Set every session-state default once, and when this session opened (time.time())."""
    for key, value in SESSION_DEFAULTS.items():
        st.session_state.setdefault(key, value)
    st.session_state.setdefault("session_opened_at", time.time())


@st.cache_resource(show_spinner=False)
def remove_store_leftovers(directory: str) -> list[str]:
    """Remove what interrupted saves left in a store folder, once per server process."""
    return ModelStore(directory).remove_leftovers()


def get_store() -> ModelStore:
    """The model store (cheap to create; its scan is cached until the folder changes)."""
    store = ModelStore()
    remove_store_leftovers(str(store.directory))
    return store


@st.cache_resource(max_entries=8, show_spinner="Loading the model…")
def load_model_cached(model_path: str, file_hash: str):
    """Load a .keras file once per process and content; never mutate what this returns."""
    return load_keras_model(model_path)


@st.cache_data(show_spinner=False)
def hash_model_file(model_path: str, modified_ns: int, size: int) -> str:
    """The sha256 of a model file, recomputed only when the file changes."""
    from mnist_cnn.data.mnist import compute_sha256

    return compute_sha256(model_path)


def file_hash(stored: StoredModel) -> str:
    """A stored model's file hash, cached on its modification time and size."""
    status = stored.model_path.stat()
    return hash_model_file(str(stored.model_path), status.st_mtime_ns, status.st_size)


def keep_active_model_among(names: list[str]) -> str | None:
    """The session's active model name, moved to the default (else the first of names) if it is not among them."""
    init_session_state()
    if names and st.session_state["active_model_name"] not in names:
        st.session_state["active_model_name"] = (config.DEFAULT_MODEL_NAME if config.DEFAULT_MODEL_NAME in names
                                                 else names[0])
    return st.session_state["active_model_name"] if names else None


def active_stored_model() -> StoredModel | None:
    """The StoredModel the session uses: if the chosen one is gone, the default, else the first stored model."""
    models = {stored.name: stored for stored in get_store().list_models()}
    return models.get(keep_active_model_among(list(models)))


def active_model():
    """(StoredModel, keras.Model) for the session; (stored, None) or (None, None) after showing why there is none.

    While the server's warm-up still imports TensorFlow, a short placeholder instead (filled in when it is ready).
    """
    stored = active_stored_model()
    if stored is None:
        st.error(describe_empty_store(get_store().directory))
        return None, None
    if not is_network_ready():
        show_warming_up()
        return stored, None
    try:
        return stored, load_model_cached(str(stored.model_path), file_hash(stored))
    except ModelStoreError as error:
        st.error(f"The model {stored.name!r} could not be loaded: {error}")
        return stored, None


def require_stored_model() -> StoredModel:
    """The session's StoredModel (its metadata, no TensorFlow needed); stop the page after a message if none."""
    stored = active_stored_model()
    if stored is None:
        st.error(describe_empty_store(get_store().directory))
        st.stop()
    return stored


def require_model():
    """Like active_model(), but stop the page when there is no usable model."""
    stored, model = active_model()
    if model is None:
        st.stop()
    return stored, model


@st.cache_data(show_spinner="Loading MNIST…")
def load_test_set_cached() -> tuple[np.ndarray, np.ndarray]:
    """The 10,000 MNIST test images (uint8) and labels."""
    _, (x_test, y_test) = load_mnist()
    return x_test, y_test


@st.cache_data(show_spinner="Loading MNIST…")
def load_training_set_cached() -> tuple[np.ndarray, np.ndarray]:
    """The 60,000 MNIST training images (uint8) and labels."""
    (x_train, y_train), _ = load_mnist()
    return x_train, y_train


def test_set_or_message():
    """(x_test, y_test), or (None, None) after a clear message when MNIST cannot be loaded."""
    try:
        return load_test_set_cached()
    except DataError as error:
        st.error(f"This page needs the MNIST test set, which could not be loaded. {error}")
        return None, None


@st.cache_data(show_spinner=False)
def fingerprint_test_set_cached() -> str:
    """The sha256 fingerprint of the loaded test set (what a kept evaluation must have been computed on)."""
    from mnist_cnn.store.evaluation_file import compute_test_set_sha256

    return compute_test_set_sha256(*load_test_set_cached())


@st.cache_data(max_entries=4, show_spinner="Evaluating the model on the 10,000 test digits…")
def evaluate_model_cached(model_path: str, file_hash: str):
    """The Evaluation of a model file on the full test set: read from beside the file, else computed and kept.

    Computed once per file content and server; kept beside the model (NAME.evaluation.npz) so that later
    servers, and the first visitor of a new one, read it in milliseconds instead of evaluating for seconds.
    """
    from mnist_cnn.evaluation.metrics import evaluate_model
    from mnist_cnn.store.evaluation_file import load_evaluation, save_evaluation

    x_test, y_test = load_test_set_cached()
    test_set = fingerprint_test_set_cached()
    kept = load_evaluation(Path(model_path), y_test, file_hash, test_set)
    if kept is not None:
        return kept
    evaluation = evaluate_model(load_model_cached(model_path, file_hash), x_test, y_test)
    try:
        save_evaluation(Path(model_path), evaluation, file_hash, test_set)
    except OSError:  # a read-only store: evaluate again on the next server
        pass
    return evaluation


def active_evaluation():
    """The active model's test-set Evaluation, or None after a clear message."""
    stored, model = active_model()
    if model is None:
        return None
    x_test, _ = test_set_or_message()
    if x_test is None:
        return None
    return evaluate_model_cached(str(stored.model_path), file_hash(stored))


def restore_widget(key: str, default) -> None:
    """Give a widget key its last value, even after the widget was off-screen (another tab or page)."""
    saved = f"_{key}_saved"
    st.session_state.setdefault(saved, default)
    st.session_state.setdefault(key, st.session_state[saved])


def save_widget(key: str) -> None:
    """Keep a widget's value in a key Streamlit does not clear when the widget is not drawn (an on_change)."""
    st.session_state[f"_{key}_saved"] = st.session_state[key]


def read_saved_widget(key: str, default=None):
    """A widget's last value, whether or not it is drawn in this run."""
    return st.session_state.get(f"_{key}_saved", default)


def set_widget(key: str, value) -> None:
    """Set a widget's value (from a callback, before the widget is drawn) and keep it."""
    st.session_state[key] = value
    save_widget(key)
