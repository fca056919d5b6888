"""The class set and the class records: filing a wrong answer in both places, "not a digit" flags in their own table,
the reserved name, the limits, and challenge attempts."""

import numpy as np
import pytest

from mnist_cnn import config
from mnist_cnn.my_digits.class_records import ClassRecords
from mnist_cnn.my_digits.class_set import CLASS_SET, file_wrong_answer, is_reserved
from mnist_cnn.my_digits.collections import MyDigitsError, MyDigitsStore


@pytest.fixture
def stores(tmp_path):
    """A drawings store and its class records in one fresh database."""
    path = tmp_path / "my_digits.sqlite3"
    return MyDigitsStore(path), ClassRecords(path)


def digit_image(value: float = 1.0) -> np.ndarray:
    image = np.zeros((28, 28), np.float32)
    image[5:23, 12:16] = value
    return image


def test_a_digit_goes_into_the_collection_and_the_class_set(stores):
    store, records = stores
    filed = file_wrong_answer(store, records, 7, (1, True), digit_image(), None, "canvas", "anna")
    assert [place[0] for place in filed.places] == [CLASS_SET, "anna"]
    assert [(d.label, d.source) for d in store.list_digits(collection=CLASS_SET)] == [(7, "flag:anna")]
    assert [(d.label, d.source) for d in store.list_digits(collection="anna")] == [(7, "canvas")]
    assert not store.is_allowed_to_delete(CLASS_SET, None), "nobody but the teacher deletes the class set"
    assert store.is_allowed_to_delete(CLASS_SET, None, teacher=True)
    file_wrong_answer(store, records, 3, (8, True), digit_image(0.5), None, "canvas", "ben", save_own_copy=False)
    assert len(store.list_digits(collection=CLASS_SET)) == 2 and store.list_digits(collection="ben") == []


def test_an_answer_the_model_gave_is_refused_and_a_digit_it_called_no_digit_is_filed(stores):
    store, records = stores
    with pytest.raises(MyDigitsError, match="already reads this as a 4"):
        file_wrong_answer(store, records, 4, (4, True), digit_image(), None, "canvas", "anna")
    with pytest.raises(MyDigitsError, match="already says this is not a digit"):
        file_wrong_answer(store, records, None, (4, False), digit_image(), None, "canvas", "anna")
    file_wrong_answer(store, records, 4, (4, False), digit_image(), None, "canvas", "anna")  # it said "not a digit"
    assert store.count_by_collection()[CLASS_SET] == 1


def test_not_a_digit_is_a_flag_of_its_own_and_the_drawings_table_is_untouched(stores):
    store, records = stores
    version = records.version()
    filed = file_wrong_answer(store, records, None, (5, True), digit_image(), np.zeros((40, 40, 4), np.uint8),
                              "upload", "anna")
    assert filed.label is None and records.version() != version
    flags = records.list_non_digits()
    assert [(flag.collection, flag.predicted) for flag in flags] == [("anna", 5)]
    assert flags[0].digit.dtype == np.uint8 and flags[0].digit.max() == 255
    assert sum(store.count_by_collection().values()) == 0
    assert records.clear_non_digits() == 1 and records.list_non_digits() == []


def test_a_full_collection_takes_back_the_class_set_copy(stores, monkeypatch):
    store, records = stores
    monkeypatch.setattr(config, "MAX_COLLECTION_DIGITS", 1)
    store.add(2, digit_image(), collection="anna")  # anna is full
    with pytest.raises(MyDigitsError, match="is full"):
        file_wrong_answer(store, records, 7, (1, True), digit_image(), None, "canvas", "anna")
    assert store.list_digits(collection=CLASS_SET) == []


def test_the_flags_and_attempts_are_bounded(stores, monkeypatch):
    _, records = stores
    monkeypatch.setattr(config, "MAX_NON_DIGIT_FLAGS", 1)
    records.add_non_digit(digit_image(), None, 3, collection="anna")
    with pytest.raises(MyDigitsError, match="at most 1"):
        records.add_non_digit(digit_image(), None, 3, collection="anna")
    records.add_attempt("7-as-1", 64, True, True, digit_image(), collection="anna")
    records.add_attempt("4-as-9", 0, False, True, digit_image(), collection="ben")
    assert [(a.collection, a.score, a.fooled) for a in records.list_attempts("7-as-1")] == [("anna", 64, True)]
    assert len(records.list_attempts()) == 2


def test_the_class_sets_name_is_reserved():
    assert is_reserved("class-set") and is_reserved(" Class-Set ") and not is_reserved("class set 2")
