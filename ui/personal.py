"""Streamlit glue for instant adaptation: the 'Use my drawings' toggle and the answer with and without them."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

import numpy as np
import streamlit as st

from mnist_cnn.data.mnist import DataError
from mnist_cnn.model.classification import Classification
from ui.collections import get_current_collection
from ui.my_digits_store import my_digits_store
from ui.state import active_stored_model, file_hash, load_model_cached, load_training_set_cached

if TYPE_CHECKING:  # the adaptation runs the model (TensorFlow): imported where it is used, not before the page shows
    from mnist_cnn.my_digits.personalise import PersonalAdapter


def read_collection(collection: str) -> tuple[np.ndarray, np.ndarray]:
    """The collection's drawings: uint8 images (n, 28, 28) and labels (n,)."""
    return my_digits_store().to_arrays(collection=collection)


@st.cache_resource(max_entries=4, show_spinner=False)
def get_reference(model_path: str, model_hash: str) -> tuple[np.ndarray, np.ndarray]:
    """The model's features of the MNIST reference digits and their labels, computed once per model file."""
    from mnist_cnn.my_digits.personalise import compute_reference

    x_train, y_train = load_training_set_cached()
    return compute_reference(load_model_cached(model_path, model_hash), x_train, y_train)


@st.cache_resource(max_entries=16, show_spinner=False)
def get_adapter(model_path: str, model_hash: str, database: str, collection: str,
                data_version: str) -> PersonalAdapter:
    """The adapter of a collection's drawings for a model, rebuilt when either changes (never mutate it).

    `database` (the drawing store's path) is part of the cache key only: a version is unique within one store.
    """
    from mnist_cnn.my_digits.personalise import build_adapter

    images, labels = read_collection(collection)
    model = load_model_cached(model_path, model_hash)
    return build_adapter(model, images, labels, get_reference(model_path, model_hash))


def current_adapter() -> PersonalAdapter | None:
    """The active model's adapter for the current collection; None when it has no drawings or cannot be built."""
    stored = active_stored_model()
    collection = get_current_collection()
    try:
        if stored is None:
            return None
        version = my_digits_store().data_version(collection)  # "count-newest id": one query per stroke
        if version.startswith("0-"):  # no drawings in the collection
            return None
        return get_adapter(str(stored.model_path), file_hash(stored), str(my_digits_store().path), collection,
                           version)
    except (DataError, ValueError) as error:  # MyDigitsError is a ValueError
        st.caption(f"Your drawings cannot be used with this model: {error}")
        return None


def describe_answer(classification: Classification) -> str:
    """'7 (93%)': a digit and its probability; 'not a digit (best guess 1, 14%)' when the verdict says so."""
    if not classification.is_digit:
        return f"not a digit (best guess {classification.digit}, {classification.confidence:.0%})"
    return f"{classification.digit} ({classification.confidence:.0%})"


def show_personal_switch(page: str) -> None:
    """The "Use my drawings" toggle of a page (on by default); show_personal_answer reads it."""
    st.toggle("Use my drawings", value=True, key=f"use_my_drawings_{page}",
              help="Reads your drawing in the light of your labelled drawings (My digits), at once, with "
                   "no training: drawings of yours that look alike vote for their label. Save a few (under the "
                   "answer, or on the My digits page) and the answer adapts to your handwriting.")


def show_personal_answer(model, model_input: np.ndarray, classification: Classification,
                         page: str) -> None:
    """When the page's "Use my drawings" switch is on, the adapted answer beside the plain one."""
    if not st.session_state.get(f"use_my_drawings_{page}", True):
        return
    adapter = current_adapter()
    if adapter is None:  # nothing to adapt with yet: the switch's help says how (no element on each stroke)
        return
    from mnist_cnn.my_digits.personalise import classify_personal

    personal = classify_personal(model, adapter, model_input)
    drawings = f"your {adapter.size} drawing{'s' if adapter.size != 1 else ''}"
    if personal.digit == classification.digit:  # the same digit: the network's verdict stands ("not a digit" too)
        shown = dataclasses.replace(personal, is_digit=classification.is_digit)
        st.caption(f"With {drawings}: **{describe_answer(shown)}**, the same answer as the network alone "
                   f"({classification.confidence:.0%}).")
        return
    mine, plain = st.columns(2)
    mine.metric(f"With {drawings}", describe_answer(personal))
    plain.metric("The network alone", describe_answer(classification))
    st.caption("Your drawings change the answer: they look most like your drawings of a "
               f"{personal.digit}.")
