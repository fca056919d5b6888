"""Tests for the user's drawing store: round-trips, deletion, export/import, and concurrent writers."""

import errno
import sqlite3
import threading
from types import SimpleNamespace

import numpy as np
import pytest

from mnist_cnn import config
from mnist_cnn.my_digits.collections import (DEFAULT_COLLECTION, MyDigitsDatabaseError, MyDigitsError, MyDigitsStore,
                                             read_mnist_layout, validate_collection_name)
from mnist_cnn.my_digits.database import describe_database_error


def make_digit(value: float) -> np.ndarray:
    """A (28, 28) float image with a bright square whose brightness is value."""
    image = np.zeros((28, 28), np.float32)
    image[8:20, 10:18] = value
    return image


def test_add_list_and_original_drawing_round_trip(tmp_path):
    store = MyDigitsStore(tmp_path / "digits.sqlite3")
    drawing = np.zeros((300, 300, 4), np.uint8)
    drawing[100:200, 140:160] = 255
    first = store.add(1, make_digit(1.0), drawing)
    store.add(7, make_digit(0.5))
    digits = store.list_digits()
    assert [d.label for d in digits] == [1, 7]
    assert digits[0].id == first and digits[0].digit.dtype == np.uint8
    assert digits[0].digit[10, 12] == 255 and digits[1].digit[10, 12] == 128
    kept = store.get_drawing(first)
    assert kept.ndim == 2 and max(kept.shape) <= 160 and kept.max() == 255
    assert store.get_drawing(digits[1].id) is None
    assert store.count_by_label()[1] == 1 and store.count_by_label()[3] == 0


def test_data_survives_a_new_store_object(tmp_path):
    path = tmp_path / "digits.sqlite3"
    MyDigitsStore(path).add(4, make_digit(1.0))
    assert [d.label for d in MyDigitsStore(path).list_digits()] == [4]


def test_delete_one_and_clear_all(tmp_path):
    store = MyDigitsStore(tmp_path / "d.sqlite3")
    ids = [store.add(label, make_digit(1.0)) for label in (0, 1, 2)]
    assert store.delete(ids[1]) and not store.delete(ids[1])
    assert [d.label for d in store.list_digits()] == [0, 2]
    assert store.clear() == 2 and store.list_digits() == []


def test_export_then_import_round_trip(tmp_path):
    source = MyDigitsStore(tmp_path / "a.sqlite3")
    for label in range(10):
        source.add(label, make_digit((label + 1) / 10))
    exported = source.export_npz()
    images, labels = read_mnist_layout(exported)
    assert images.shape == (10, 28, 28) and images.dtype == np.uint8 and labels.tolist() == list(range(10))
    target = MyDigitsStore(tmp_path / "b.sqlite3")
    assert target.import_npz(exported) == 10
    np.testing.assert_array_equal(target.to_arrays()[0], source.to_arrays()[0])
    np.testing.assert_array_equal(target.to_arrays()[1], source.to_arrays()[1])


@pytest.mark.parametrize("payload, message", [
    (b"not a zip at all", "not a readable .npz"),
    (None, "no x_train/y_train"),
])
def test_bad_imports_are_refused_with_a_message(tmp_path, payload, message):
    import io

    if payload is None:
        buffer = io.BytesIO()
        np.savez(buffer, something=np.zeros(3))
        payload = buffer.getvalue()
    with pytest.raises(MyDigitsError, match=message):
        MyDigitsStore(tmp_path / "c.sqlite3").import_npz(payload)


def test_bad_labels_and_shapes_are_refused(tmp_path):
    store = MyDigitsStore(tmp_path / "d.sqlite3")
    with pytest.raises(MyDigitsError, match="0-9"):
        store.add(12, make_digit(1.0))
    with pytest.raises(MyDigitsError, match="28x28"):
        store.add(3, np.zeros((10, 10)))


def test_two_threads_writing_at_once_lose_nothing(tmp_path):
    path = tmp_path / "shared.sqlite3"
    errors = []

    def write_many(label):
        store = MyDigitsStore(path)  # each session opens its own store on the same file
        try:
            for _ in range(100):
                store.add(label, make_digit(1.0))
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=write_many, args=(label,)) for label in (3, 8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert MyDigitsStore(path).count_by_label()[3] == 100
    assert MyDigitsStore(path).count_by_label()[8] == 100


# ---------------------------------------------------------------------------------------------
# Collections, capacity, data versions, migration and database faults.
# ---------------------------------------------------------------------------------------------

# The schema before collections existed, to test the migration of an old file.
OLD_SCHEMA = """
CREATE TABLE drawings (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    label INTEGER NOT NULL CHECK (label BETWEEN 0 AND 9),
    created_at TEXT NOT NULL,
    source TEXT NOT NULL,
    digit BLOB NOT NULL,
    drawing_png BLOB
)
"""


def test_two_collections_are_isolated_and_deleting_all_in_one_leaves_the_other(tmp_path):
    store = MyDigitsStore(tmp_path / "d.sqlite3")
    store.create_collection("Anna")
    for label in (1, 2, 3):
        store.add(label, make_digit(1.0), collection="Anna")
    store.add(9, make_digit(1.0), collection="Ben 2")
    assert [d.label for d in store.list_digits(collection="Anna")] == [1, 2, 3]
    assert [d.label for d in store.list_digits(collection="Ben 2")] == [9]
    assert store.list_digits() == []  # the default collection
    ben_id = store.list_digits(collection="Ben 2")[0].id
    assert not store.delete(ben_id, collection="Anna"), "a drawing is deleted only from its own collection"
    assert store.clear(collection="Anna") == 3
    assert store.list_digits(collection="Anna") == [] and store.count_by_label(collection="Ben 2")[9] == 1
    assert store.count_by_collection() == {DEFAULT_COLLECTION: 0, "Anna": 0, "Ben 2": 1}
    assert store.list_collections() == [DEFAULT_COLLECTION, "Anna", "Ben 2"]
    exported = store.export_npz(collection="Ben 2")
    assert read_mnist_layout(exported)[1].tolist() == [9]
    assert store.import_npz(exported, collection="Anna") == 1
    assert store.to_arrays(collection="Anna")[1].tolist() == [9]


@pytest.mark.parametrize("name", ["", "   ", "x" * 41, "a/b", "name\n", "<script>", "Ben;DROP", 7, None])
def test_malformed_collection_names_get_a_clear_message(tmp_path, name):
    with pytest.raises(MyDigitsError, match="not a valid collection name"):
        validate_collection_name(name)
    with pytest.raises(MyDigitsError, match="not a valid collection name"):
        MyDigitsStore(tmp_path / "d.sqlite3").add(1, make_digit(1.0), collection=name)


def test_valid_names_are_trimmed_and_unknown_ones_do_not_exist(tmp_path):
    assert validate_collection_name("  Class 4b_Anna-2 ") == "Class 4b_Anna-2"
    store = MyDigitsStore(tmp_path / "d.sqlite3")
    assert store.create_collection(" Zoë ") == "Zoë" and store.has_collection("Zoë")
    assert not store.has_collection("nobody")


def test_a_full_collection_refuses_saves_and_imports_inside_the_transaction(tmp_path, monkeypatch):
    monkeypatch.setattr(config, "MAX_COLLECTION_DIGITS", 5)
    store = MyDigitsStore(tmp_path / "d.sqlite3")
    for _ in range(4):
        store.add(1, make_digit(1.0), collection="full")
    exported = store.export_npz(collection="full")
    with pytest.raises(MyDigitsError, match="is full: it holds 4 of at most 5 drawings"):
        store.import_npz(exported, collection="full")
    store.add(2, make_digit(1.0), collection="full")
    with pytest.raises(MyDigitsError, match="is full"):
        store.add(3, make_digit(1.0), collection="full")
    assert sum(store.count_by_label(collection="full").values()) == 5
    assert store.add(3, make_digit(1.0), collection="other") > 0, "another collection still has room"


def test_concurrent_writers_never_overfill_a_collection(tmp_path, monkeypatch):
    monkeypatch.setattr(config, "MAX_COLLECTION_DIGITS", 30)
    path = tmp_path / "shared.sqlite3"
    MyDigitsStore(path)
    refusals = []

    def write_many():
        store = MyDigitsStore(path)
        for _ in range(20):
            try:
                store.add(4, make_digit(1.0), collection="class")
            except MyDigitsError as error:
                refusals.append(str(error))

    threads = [threading.Thread(target=write_many) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert MyDigitsStore(path).count_by_label(collection="class")[4] == 30
    assert len(refusals) == 30 and all("is full" in refusal for refusal in refusals)


def test_too_many_collections_are_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(config, "MAX_COLLECTIONS", 3)  # the default plus two
    store = MyDigitsStore(tmp_path / "d.sqlite3")
    store.create_collection("one")
    store.add(1, make_digit(1.0), collection="two")
    with pytest.raises(MyDigitsError, match="already holds 3 collections"):
        store.create_collection("three")
    store.create_collection("one")  # an existing one is fine


def test_data_version_changes_exactly_when_the_collections_drawings_change(tmp_path):
    store = MyDigitsStore(tmp_path / "d.sqlite3")
    empty = store.data_version("mine")
    first = store.add(1, make_digit(1.0), collection="mine")
    one = store.data_version("mine")
    store.add(2, make_digit(1.0), collection="other")
    assert one != empty and store.data_version("mine") == one, "others' drawings do not change it"
    second = store.add(2, make_digit(1.0), collection="mine")
    two = store.data_version("mine")
    assert two not in (empty, one)
    store.delete(first, collection="mine")
    assert store.data_version("mine") not in (empty, one, two)
    store.delete(second, collection="mine")
    store.add(1, make_digit(1.0), collection="mine")  # one drawing again, but another one
    assert store.data_version("mine") not in (empty, one, two)


def test_to_arrays_limit_keeps_the_newest_drawings_in_order(tmp_path):
    store = MyDigitsStore(tmp_path / "d.sqlite3")
    for label in range(10):
        store.add(label, make_digit(1.0), collection="c")
    images, labels = store.to_arrays(collection="c", limit=4)
    assert labels.tolist() == [6, 7, 8, 9] and images.shape == (4, 28, 28)
    assert [d.label for d in store.list_digits(collection="c", limit=3, offset=2)] == [2, 3, 4]


def test_an_old_database_migrates_into_the_default_collection(tmp_path):
    path = tmp_path / "my_digits.sqlite3"
    with sqlite3.connect(path) as connection:
        connection.execute(OLD_SCHEMA)
        for label in (3, 5):
            connection.execute("INSERT INTO drawings (label, created_at, source, digit) VALUES (?, ?, ?, ?)",
                               (label, "2025-01-01T00:00:00+00:00", "canvas", bytes(784)))
    connection.close()
    store = MyDigitsStore(path)
    assert [d.label for d in store.list_digits()] == [3, 5]
    assert store.count_by_collection() == {DEFAULT_COLLECTION: 2}
    store.add(7, make_digit(1.0), collection="new")
    assert [d.label for d in MyDigitsStore(path).list_digits()] == [3, 5], "migrating twice changes nothing"


def test_a_corrupt_database_file_gives_a_clear_error(tmp_path):
    path = tmp_path / "my_digits.sqlite3"
    path.write_bytes(np.random.default_rng(0).bytes(8192))
    with pytest.raises(MyDigitsDatabaseError, match="damaged"):
        MyDigitsStore(path)


def test_a_database_damaged_after_opening_gives_a_clear_error(tmp_path):
    path = tmp_path / "my_digits.sqlite3"
    store = MyDigitsStore(path)
    store.add(1, make_digit(1.0))
    for leftover in tmp_path.glob("my_digits.sqlite3-*"):
        leftover.unlink()
    path.write_bytes(np.random.default_rng(1).bytes(8192))
    for action in (store.list_digits, store.count_by_label, store.count_by_collection, store.export_npz,
                   lambda: store.add(2, make_digit(1.0)), store.clear):
        with pytest.raises(MyDigitsDatabaseError, match="damaged"):
            action()


def test_a_full_disk_gives_a_clear_error_and_keeps_what_was_saved(tmp_path, monkeypatch):

    store = MyDigitsStore(tmp_path / "d.sqlite3")
    store.add(1, make_digit(1.0))
    connect = sqlite3.dbapi2.connect  # what SQLAlchemy calls

    def connect_to_a_full_disk(*args, **kwargs):
        connection = connect(*args, **kwargs)
        (pages,) = connection.execute("PRAGMA page_count").fetchone()
        connection.execute(f"PRAGMA max_page_count = {pages}")  # no page more: "database or disk is full"
        return connection

    monkeypatch.setattr(sqlite3.dbapi2, "connect", connect_to_a_full_disk)
    with pytest.raises(MyDigitsDatabaseError, match="disk is full"):
        for _ in range(50):
            store.add(2, make_digit(np.random.default_rng(2).random()), np.full((160, 160), 200, np.uint8))
    monkeypatch.setattr(sqlite3.dbapi2, "connect", connect)
    assert store.count_by_label()[1] == 1


def test_an_io_error_on_a_disk_without_room_is_called_a_full_disk(tmp_path, monkeypatch):
    from mnist_cnn.my_digits import database as digit_database

    error = sqlite3.OperationalError("disk I/O error")
    error.sqlite_errorcode = 778  # SQLITE_IOERR_WRITE: what a journal write on a full disk gives
    room = {"free": digit_database.MIN_FREE_BYTES}
    monkeypatch.setattr(digit_database.shutil, "disk_usage", lambda folder: SimpleNamespace(free=room["free"]))
    assert "cannot be opened or written" in describe_database_error(error, tmp_path / "d.sqlite3")  # room left
    room["free"] = digit_database.MIN_FREE_BYTES - 1
    assert "disk is full" in describe_database_error(error, tmp_path / "d.sqlite3")
    assert "disk is full" in describe_database_error(OSError(errno.ENOSPC, "No space left on device"), tmp_path)
