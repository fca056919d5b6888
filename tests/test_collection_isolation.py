"""Every per-collection query of the drawings store sees and changes only its own collection's drawings."""

import numpy as np
import pytest

from mnist_cnn import config
from mnist_cnn.my_digits.collections import DEFAULT_COLLECTION, MyDigitsError, MyDigitsStore, read_mnist_layout

ANNA, BEN = "anna", "Ben 2"
# Each collection's drawings, added interleaved (anna, ben, anna, ...) so that ids and "newest" mix the two.
LABELS = {ANNA: (1, 2, 3), BEN: (7, 8, 9)}
# The ink value of each collection's digits (MNIST layout) and the grey of its original drawings.
INK = {ANNA: 255, BEN: 128}
DRAWING_GREY = {ANNA: 200, BEN: 60}
PAIRS = [(ANNA, BEN), (BEN, ANNA)]
PAIR_IDS = ["anna-asks", "ben-asks"]


def make_digit(collection: str) -> np.ndarray:
    """A (28, 28) float digit whose ink tells the collection it was saved in."""
    image = np.zeros((28, 28), np.float32)
    image[6:22, 12:16] = INK[collection] / 255
    return image


def make_drawing(collection: str) -> np.ndarray:
    """An original drawing (gray uint8) whose grey tells the collection."""
    return np.full((40, 30), DRAWING_GREY[collection], np.uint8)


@pytest.fixture
def store(tmp_path):
    """Two collections with three drawings each (ids interleaved), and one drawing in the default collection."""
    store = MyDigitsStore(tmp_path / "d.sqlite3")
    store.add(0, make_digit(ANNA), make_drawing(ANNA))  # the default collection
    for anna_label, ben_label in zip(LABELS[ANNA], LABELS[BEN]):
        store.add(anna_label, make_digit(ANNA), make_drawing(ANNA), collection=ANNA)
        store.add(ben_label, make_digit(BEN), make_drawing(BEN), collection=BEN)
    return store


def ids_of(store: MyDigitsStore, collection: str) -> list[int]:
    """The ids of a collection's drawings, oldest first."""
    return [digit.id for digit in store.list_digits(collection=collection)]


def assert_untouched(store: MyDigitsStore, collection: str) -> None:
    """The collection still holds its three drawings, labels and images as the fixture saved them."""
    digits = store.list_digits(collection=collection)
    assert [digit.label for digit in digits] == list(LABELS[collection])
    assert all(digit.digit.max() == INK[collection] for digit in digits)
    assert all(store.get_drawing(digit.id, collection=collection) is not None for digit in digits)


@pytest.mark.parametrize(("mine", "other"), PAIRS, ids=PAIR_IDS)
def test_listing_a_collection_shows_only_its_own_drawings(store, mine, other):
    digits = store.list_digits(collection=mine)
    assert [digit.label for digit in digits] == list(LABELS[mine])
    assert {int(digit.digit.max()) for digit in digits} == {INK[mine]}
    assert not set(ids_of(store, mine)) & set(ids_of(store, other))
    assert store.list_digits(LABELS[other][0], collection=mine) == []  # the other's label: none here
    assert [d.label for d in store.list_digits(collection=mine, limit=2, offset=1)] == list(LABELS[mine][1:])


@pytest.mark.parametrize(("mine", "other"), PAIRS, ids=PAIR_IDS)
def test_getting_another_collections_drawing_by_its_id_returns_nothing(store, mine, other):
    for digit_id in ids_of(store, other):
        assert store.get_drawing(digit_id, collection=mine) is None
    for digit_id in ids_of(store, mine):
        drawing = store.get_drawing(digit_id, collection=mine)
        assert drawing is not None and drawing.shape == (40, 30) and int(drawing.mean()) == DRAWING_GREY[mine]


@pytest.mark.parametrize(("mine", "other"), PAIRS, ids=PAIR_IDS)
def test_counting_by_label_counts_only_the_collections_drawings(store, mine, other):
    assert store.count_by_label(collection=mine) == {label: int(label in LABELS[mine]) for label in range(10)}


def test_counting_by_collection_gives_each_its_own_count(store):
    assert store.count_by_collection() == {DEFAULT_COLLECTION: 1, ANNA: 3, BEN: 3}
    assert store.list_collections() == [DEFAULT_COLLECTION, BEN, ANNA]


@pytest.mark.parametrize(("mine", "other"), PAIRS, ids=PAIR_IDS)
def test_deleting_another_collections_drawing_by_its_id_deletes_nothing(store, mine, other):
    for digit_id in ids_of(store, other):
        assert not store.delete(digit_id, collection=mine)
    assert_untouched(store, other)
    assert store.delete(ids_of(store, mine)[0], collection=mine)
    assert [digit.label for digit in store.list_digits(collection=mine)] == list(LABELS[mine][1:])


@pytest.mark.parametrize(("mine", "other"), PAIRS, ids=PAIR_IDS)
def test_clearing_a_collection_leaves_the_others(store, mine, other):
    assert store.clear(collection=mine) == 3
    assert store.list_digits(collection=mine) == []
    assert_untouched(store, other)
    assert [digit.label for digit in store.list_digits()] == [0]


@pytest.mark.parametrize(("mine", "other"), PAIRS, ids=PAIR_IDS)
def test_a_collections_arrays_hold_only_its_drawings_with_or_without_a_limit(store, mine, other):
    images, labels = store.to_arrays(collection=mine)
    assert labels.tolist() == list(LABELS[mine]) and {int(image.max()) for image in images} == {INK[mine]}
    images, labels = store.to_arrays(collection=mine, limit=2)  # the newest two of its own
    assert labels.tolist() == list(LABELS[mine][1:]) and {int(image.max()) for image in images} == {INK[mine]}


@pytest.mark.parametrize(("mine", "other"), PAIRS, ids=PAIR_IDS)
def test_exporting_a_collection_exports_only_its_drawings(store, mine, other):
    images, labels = read_mnist_layout(store.export_npz(collection=mine))
    assert labels.tolist() == list(LABELS[mine]) and {int(image.max()) for image in images} == {INK[mine]}


@pytest.mark.parametrize(("mine", "other"), PAIRS, ids=PAIR_IDS)
def test_importing_into_a_collection_adds_only_to_it(store, mine, other):
    exported = store.export_npz(collection=other)
    assert store.import_npz(exported, collection=mine) == 3
    assert [digit.label for digit in store.list_digits(collection=mine)] == list(LABELS[mine] + LABELS[other])
    assert_untouched(store, other)


@pytest.mark.parametrize(("mine", "other"), PAIRS, ids=PAIR_IDS)
def test_a_collections_data_version_ignores_the_other_collections_changes(store, mine, other):
    version = store.data_version(mine)
    store.add(5, make_digit(other), collection=other)
    store.delete(ids_of(store, other)[0], collection=other)
    assert store.data_version(mine) == version
    store.add(5, make_digit(mine), collection=mine)
    assert store.data_version(mine) != version


@pytest.mark.parametrize(("mine", "other"), PAIRS, ids=PAIR_IDS)
def test_a_collections_capacity_counts_only_its_own_drawings(store, mine, other, monkeypatch):
    monkeypatch.setattr(config, "MAX_COLLECTION_DIGITS", 4)  # each holds 3: one more fits in each, not two
    store.add(4, make_digit(mine), collection=mine)
    store.add(4, make_digit(other), collection=other)
    with pytest.raises(MyDigitsError, match=f"The collection {mine!r} is full: it holds 4 of at most 4"):
        store.add(5, make_digit(mine), collection=mine)
    assert store.count_by_collection()[mine] == 4 and store.count_by_collection()[other] == 4
