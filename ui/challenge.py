"""The Class challenge page's glue: the classmates' reader's references (cached), scoring the last drawing, and
submitting it to the leaderboard (counted as a save)."""

import hashlib

import numpy as np
import streamlit as st

from mnist_cnn import config

from mnist_cnn.challenge.scoring import (AttemptScore, Challenge, pick_class_references, pick_mnist_references,
                                         read_like_classmates, score_attempt)
from mnist_cnn.inputs.images import to_unit_floats
from mnist_cnn.model.inference import Classification
from mnist_cnn.my_digits.class_set import CLASS_SET
from mnist_cnn.my_digits.collections import MyDigitsError, digits_to_arrays
from mnist_cnn.safety.rate_limit import RateLimitError
from mnist_cnn.safety.text import escape_markdown
from mnist_cnn.store.model_store import ModelStoreError
from ui import limits
from ui.class_view.reads import choose_collections
from ui.collections import get_current_collection
from ui.my_digits_store import class_records, get_my_digits_store, my_digits_store
from ui.state import file_hash, get_store, load_model_cached, load_training_set_cached, require_model

# Session key of the drawing submitted last (its fingerprint), so one drawing is submitted once.
SUBMITTED_KEY = "challenge_submitted"


@st.cache_data(max_entries=4, show_spinner=False)
def read_class_drawings(database_path: str, state: tuple) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(images, labels, collections) of every collection's drawings; state (collections' versions) keys the cache."""
    store = get_my_digits_store(database_path)
    images, labels, names = [np.zeros((0, 28, 28), np.uint8)], [np.zeros(0, np.uint8)], []
    for collection, _ in state:
        digits = store.list_digits(collection=collection)
        collection_images, collection_labels = digits_to_arrays(digits)
        images.append(collection_images)
        labels.append(collection_labels)
        names += [collection] * len(digits)
    return np.concatenate(images), np.concatenate(labels), np.array(names, dtype=object)


@st.cache_data(show_spinner=False)
def read_mnist_references() -> tuple[np.ndarray, np.ndarray]:
    """The fixed MNIST digits every reader knows (a few of each digit)."""
    return pick_mnist_references(*load_training_set_cached())


def require_challenge_model():
    """(StoredModel, keras.Model) every student is scored by: the server's default model, so that nobody can pick
    a weaker or a rigged one for the leaderboard (the active model when the store has no default)."""
    models = {stored.name: stored for stored in get_store().list_models()}
    stored = models.get(config.DEFAULT_MODEL_NAME)
    if stored is None:
        return require_model()
    try:
        return stored, load_model_cached(str(stored.model_path), file_hash(stored))
    except ModelStoreError as error:
        st.error(f"The challenge's model {stored.name!r} could not be loaded: {escape_markdown(error)}")
        st.stop()


def gather_references(collection: str) -> tuple[np.ndarray, np.ndarray]:
    """The classmates' reader's references: other collections' drawings (not the class set) and the MNIST few."""
    store = my_digits_store()
    others = {name: count for name, count in store.count_by_collection().items() if name not in (collection, CLASS_SET)}
    chosen = choose_collections(others, config.MAX_CLASS_VIEW_DRAWINGS)  # bounded, as the class view's reads are
    state = tuple((name, store.data_version(name)) for name in chosen)
    images, labels, names = read_class_drawings(str(store.path), state)
    class_images, class_labels = pick_class_references(images, labels, names, {collection, CLASS_SET})
    mnist_images, mnist_labels = read_mnist_references()
    return (np.concatenate([to_unit_floats(class_images), to_unit_floats(mnist_images)]),
            np.concatenate([class_labels, mnist_labels]))


def judge_attempt(challenge: Challenge, drawing: np.ndarray, classification: Classification,
                  collection: str) -> tuple[AttemptScore, np.ndarray, int]:
    """(score, the neighbours' labels, how many class drawings the reader knew) of a drawing."""
    images, labels = gather_references(collection)
    neighbours = read_like_classmates(drawing, images, labels)
    score = score_attempt(challenge, classification.probabilities, classification.is_digit, neighbours)
    return score, neighbours, len(labels) - len(read_mnist_references()[1])


def submit_attempt(challenge: Challenge, drawing: np.ndarray, score: AttemptScore) -> None:
    """Keep the attempt for the current collection's place on the leaderboard (a button callback)."""
    fingerprint = hashlib.sha1(np.asarray(drawing, np.float32).tobytes()).hexdigest() + challenge.key
    if st.session_state.get(SUBMITTED_KEY) == fingerprint:
        st.toast("This drawing is already submitted. Draw another one!", icon=":material/check:")
        return
    collection = get_current_collection()
    try:
        with limits.counted_save():
            class_records().add_attempt(challenge.key, score.score, score.fooled, score.readable, drawing,
                                        collection=collection)
    except (MyDigitsError, RateLimitError) as error:
        st.error(f"The attempt was not submitted: {escape_markdown(error)}")
        return
    st.session_state[SUBMITTED_KEY] = fingerprint
    st.toast(f"Submitted for {escape_markdown(repr(collection))}: {score.score} points.", icon=":material/trophy:")


def best_score(challenge: Challenge, collection: str) -> int | None:
    """The collection's best score so far at this challenge (None before its first attempt)."""
    try:
        attempts = class_records().list_attempts(challenge.key)
    except MyDigitsError:
        return None
    scores = [attempt.score for attempt in attempts if attempt.collection == collection]
    return max(scores) if scores else None
