"""My digits' limits (drawings per collection, collection names, labels) accept their limit and refuse one past it."""

import io

import numpy as np
import pytest

from mnist_cnn import config
from mnist_cnn.my_digits.collections import MyDigitsError, MyDigitsStore, validate_collection_name
from tests.support.pictures import make_bar_digit


def archive_of(count: int) -> bytes:
    """An MNIST-layout .npz of count blank digits labelled 1."""
    buffer = io.BytesIO()
    np.savez_compressed(buffer, x_train=np.zeros((count, 28, 28), np.uint8), y_train=np.ones(count, np.uint8))
    return buffer.getvalue()


@pytest.fixture
def store(tmp_path):
    """An empty drawings store."""
    return MyDigitsStore(tmp_path / "d.sqlite3")


def test_an_import_of_exactly_max_collection_digits_fills_an_empty_collection(store):
    assert store.import_npz(archive_of(config.MAX_COLLECTION_DIGITS), collection="full") == 2_000
    assert store.count_by_collection()["full"] == config.MAX_COLLECTION_DIGITS


def test_an_import_of_one_digit_more_than_max_collection_digits_is_refused_whole(store):
    with pytest.raises(MyDigitsError, match="x_train declares 2001 digits; at most 2,000 can be imported"):
        store.import_npz(archive_of(config.MAX_COLLECTION_DIGITS + 1), collection="full")
    assert store.count_by_label(collection="full") == dict.fromkeys(range(10), 0)


def test_a_collection_takes_drawings_up_to_exactly_its_limit_and_refuses_the_next(store):
    store.import_npz(archive_of(config.MAX_COLLECTION_DIGITS - 1), collection="full")
    assert store.add(3, make_bar_digit(), collection="full") > 0  # the 2,000th
    with pytest.raises(MyDigitsError, match="'full' is full: it holds 2,000 of at most 2,000 drawings"):
        store.add(3, make_bar_digit(), collection="full")
    assert store.count_by_collection()["full"] == config.MAX_COLLECTION_DIGITS


def test_an_import_that_would_end_exactly_on_the_limit_is_taken_and_one_more_refused(store):
    store.import_npz(archive_of(config.MAX_COLLECTION_DIGITS - 10), collection="a")
    store.import_npz(archive_of(config.MAX_COLLECTION_DIGITS - 10), collection="b")
    assert store.import_npz(archive_of(10), collection="a") == 10
    with pytest.raises(MyDigitsError, match="holds 1,990 of at most 2,000 drawings \\(this would add 11\\)"):
        store.import_npz(archive_of(11), collection="b")
    assert store.count_by_collection()["a"] == store.count_by_collection()["b"] + 10 == config.MAX_COLLECTION_DIGITS


@pytest.mark.parametrize("name", ["x" * 40, " " + "x" * 40 + " ", "x"])
def test_a_collection_name_of_1_to_40_characters_is_valid(store, name):
    assert validate_collection_name(name) == name.strip()
    store.add(1, make_bar_digit(), collection=name)
    assert store.has_collection(name.strip())


@pytest.mark.parametrize("name", ["x" * 41, "", "  "])
def test_a_collection_name_of_41_characters_or_none_is_refused(store, name):
    with pytest.raises(MyDigitsError, match="not a valid collection name: use 1-40 letters"):
        store.create_collection(name)


@pytest.mark.parametrize("label", [0, 9])
def test_labels_0_and_9_are_saved(store, label):
    store.add(label, make_bar_digit())
    assert store.count_by_label()[label] == 1


@pytest.mark.parametrize("label", [-1, 10])
def test_labels_one_past_0_to_9_are_refused(store, label):
    with pytest.raises(MyDigitsError, match=f"The label must be a digit 0-9, not {label}"):
        store.add(label, make_bar_digit())
    assert store.list_digits() == []
