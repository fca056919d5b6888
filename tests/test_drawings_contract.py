"""The drawings store's contract, on SQLite and on a real PostgreSQL: every backend behaves the same to the app."""

import threading

import numpy as np
import pytest

from mnist_cnn import config
from mnist_cnn.cluster.postgres import start_server, stop_server
from mnist_cnn.database.shared_state import MODEL_LIST_VERSION, raise_counter, read_counter
from mnist_cnn.my_digits.collections import (DEFAULT_COLLECTION, CollectionProtectedError, MyDigitsDatabaseError,
                                             MyDigitsError, MyDigitsStore, read_mnist_layout)

ANNA, BEN = "a" * 64, "b" * 64  # two browsers' secrets


@pytest.fixture(params=["sqlite", "postgresql"])
def location(request, tmp_path):
    """Where a store keeps its drawings: a new SQLite file, or a new database on the test PostgreSQL server."""
    if request.param == "sqlite":
        return tmp_path / "my_digits.sqlite3"
    return request.getfixturevalue("postgres_url")


def make_digit(value: float) -> np.ndarray:
    """A (28, 28) float image with a bright square whose brightness is value."""
    image = np.zeros((28, 28), np.float32)
    image[8:20, 10:18] = value
    return image


def test_drawings_round_trip_in_isolated_collections(location):
    store = MyDigitsStore(location)
    drawing = np.zeros((300, 300, 4), np.uint8)
    drawing[100:200, 140:160] = 255
    first = store.add(1, make_digit(1.0), drawing, collection="anna")
    store.add(7, make_digit(0.5), collection="anna")
    store.add(2, make_digit(1.0))
    digits = MyDigitsStore(location).list_digits(collection="anna")  # another store object sees them
    assert [d.label for d in digits] == [1, 7] and digits[0].id == first
    assert digits[0].digit[10, 12] == 255 and digits[1].digit[10, 12] == 128
    assert store.get_drawing(first, collection="anna").max() == 255
    assert store.get_drawing(first) is None, "another collection's drawing is not found"
    assert store.count_by_collection() == {DEFAULT_COLLECTION: 1, "anna": 2}
    assert [d.label for d in store.list_digits(collection="anna", limit=1, offset=1)] == [7]
    images, labels = store.to_arrays(collection="anna", limit=1)
    assert images.shape == (1, 28, 28) and labels.tolist() == [7]


def test_delete_clear_and_export_import(location):
    store = MyDigitsStore(location)
    ids = [store.add(label, make_digit((label + 1) / 10)) for label in range(10)]
    version = store.data_version()
    assert store.delete(ids[0]) and not store.delete(ids[0])
    assert store.data_version() != version
    exported = store.export_npz()
    images, labels = read_mnist_layout(exported)
    assert labels.tolist() == list(range(1, 10)) and images.dtype == np.uint8
    assert store.import_npz(exported, collection="copy") == 9
    assert store.count_by_label(collection="copy")[5] == 1
    assert store.clear() == 9 and store.list_digits() == []
    assert store.delete_collection("copy") == 9 and store.list_collections() == [DEFAULT_COLLECTION]


def test_owners_limits_and_bad_input(location, monkeypatch):
    store = MyDigitsStore(location)
    store.create_collection("anna", owner_secret=ANNA)
    digit_id = store.add(3, make_digit(1.0), collection="anna")
    with pytest.raises(CollectionProtectedError):
        store.delete(digit_id, collection="anna", owner_secret=BEN)
    assert store.delete(digit_id, collection="anna", owner_secret=ANNA)
    monkeypatch.setattr(config, "MAX_COLLECTIONS", 2)
    with pytest.raises(MyDigitsError, match="already holds 2 collections"):
        store.create_collection("third")
    monkeypatch.setattr(config, "MAX_COLLECTION_DIGITS", 2)
    store.add(1, make_digit(1.0))
    store.add(2, make_digit(1.0))
    with pytest.raises(MyDigitsError, match="is full"):
        store.add(3, make_digit(1.0))
    assert sum(store.count_by_label().values()) == 2
    with pytest.raises(MyDigitsError, match="label must be a digit"):
        store.add(11, make_digit(1.0))


def test_concurrent_writers_never_overfill_a_collection(location, monkeypatch):
    monkeypatch.setattr(config, "MAX_COLLECTION_DIGITS", 20)
    MyDigitsStore(location)
    refusals = []

    def write_many():
        store = MyDigitsStore(location)
        for _ in range(10):
            try:
                store.add(4, make_digit(1.0), collection="class")
            except MyDigitsError as error:
                refusals.append(str(error))

    threads = [threading.Thread(target=write_many) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert MyDigitsStore(location).count_by_label(collection="class")[4] == 20
    assert len(refusals) == 10 and all("is full" in refusal for refusal in refusals)


def test_the_model_list_version_is_shared(location):
    MyDigitsStore(location)  # creates the schema
    assert read_counter(location, MODEL_LIST_VERSION) == 0
    assert raise_counter(location, MODEL_LIST_VERSION) == 1 and raise_counter(location, MODEL_LIST_VERSION) == 2
    assert read_counter(location, MODEL_LIST_VERSION) == 2


def test_a_postgresql_restart_loses_no_saved_drawing(postgres_server, postgres_url):
    store = MyDigitsStore(postgres_url)
    store.add(1, make_digit(1.0))
    stop_server(postgres_server.data_dir, mode="fast")  # every pooled connection is now dead
    restarted = threading.Timer(1.0, start_server, args=(postgres_server.data_dir, postgres_server.port))
    restarted.start()
    try:
        assert store.add(2, make_digit(1.0)) > 0, "the save waits for the server and is retried"
    finally:
        restarted.join()
    assert [d.label for d in store.list_digits()] == [1, 2]


def test_an_unreachable_database_gives_a_clear_message(monkeypatch, postgres_server):
    from mnist_cnn.database import engine

    monkeypatch.setattr(engine, "RETRY_SECONDS", 0.5)
    url = postgres_server.url.replace(f":{postgres_server.port}/", ":1/")  # nothing listens on port 1
    with pytest.raises(MyDigitsDatabaseError, match="cannot be reached .* nothing was saved"):
        MyDigitsStore(url)


def test_the_head_revision_is_read_as_alembic_reads_it():
    from alembic.script import ScriptDirectory

    from mnist_cnn.database.migrate import latest_revision, make_alembic_config

    assert latest_revision() == ScriptDirectory.from_config(make_alembic_config()).get_current_head()


def test_lesson_progress_and_class_records(location):
    from mnist_cnn.my_digits.class_records import ClassRecords
    from mnist_cnn.my_digits.lesson_progress import forget_progress, read_steps_done, record_step_done

    store = MyDigitsStore(location)
    for step in (1, 3, 1):  # answered right again: counted once
        record_step_done(store, "anna", "convolution", step)
    assert read_steps_done(store, "anna") == {"convolution": {1, 3}}
    forget_progress(store, "anna", "convolution")
    assert read_steps_done(store, "anna") == {}
    records = ClassRecords(location)
    version = records.version()
    flag = records.add_non_digit(make_digit(1.0), np.zeros((50, 50), np.uint8), 7, collection="anna")
    records.add_attempt("7-as-1", 80, True, False, make_digit(0.5), collection="ben")
    assert records.version() != version
    flags = records.list_non_digits()
    assert [(f.id, f.collection, f.predicted) for f in flags] == [(flag, "anna", 7)] and flags[0].digit[10, 12] == 255
    attempts = records.list_attempts("7-as-1")
    assert [(a.collection, a.score, a.fooled, a.readable) for a in attempts] == [("ben", 80, True, False)]
    assert records.clear_non_digits() == 1 and records.list_non_digits() == []
