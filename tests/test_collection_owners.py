"""Tests for collection owners (mnist_cnn/my_digits/ownership.py): who may delete drawings, deleting a collection,
the migration of a file made before owners, and the room an old empty collection gives back."""

import sqlite3
from datetime import datetime, timedelta, timezone

import pytest

from mnist_cnn import config
from mnist_cnn.my_digits.collections import (DEFAULT_COLLECTION, CollectionProtectedError, MyDigitsError,
                                             MyDigitsStore)
from mnist_cnn.my_digits.ownership import reclaim_empty_collection
from tests.support.pictures import make_bar_digit

ANNA, BEN = "a" * 64, "b" * 64  # two browsers' secrets


@pytest.fixture
def store(tmp_path):
    """A store with Anna's collection 'anna' (two drawings) and an unowned 'shared' one (one drawing)."""
    store = MyDigitsStore(tmp_path / "my_digits.sqlite3")
    store.create_collection("anna", owner_secret=ANNA)
    for label in (1, 7):
        store.add(label, make_bar_digit(), collection="anna")
    store.add(3, make_bar_digit(), collection="shared")
    return store


def ids_of(store: MyDigitsStore, collection: str) -> list[int]:
    return [digit.id for digit in store.list_digits(collection=collection)]


def test_another_browser_cannot_delete_an_owned_collections_drawings(store):
    first = ids_of(store, "anna")[0]
    for secret in (BEN, None, ""):
        with pytest.raises(CollectionProtectedError, match="Only the browser that created the collection 'anna'"):
            store.delete(first, collection="anna", owner_secret=secret)
        with pytest.raises(CollectionProtectedError):
            store.clear(collection="anna", owner_secret=secret)
    assert len(ids_of(store, "anna")) == 2
    assert not store.is_allowed_to_delete("anna", BEN)


def test_the_owner_and_the_teacher_can(store):
    first, second = ids_of(store, "anna")
    assert store.is_allowed_to_delete("anna", ANNA) and store.is_allowed_to_delete("anna", None, teacher=True)
    assert store.delete(first, collection="anna", owner_secret=ANNA)
    assert store.delete(second, collection="anna", owner_secret=BEN, teacher=True)
    store.add(2, make_bar_digit(), collection="anna")
    assert store.clear(collection="anna", owner_secret=ANNA) == 1


def test_collections_without_an_owner_stay_open_to_everyone(store):
    assert store.is_allowed_to_delete("shared", None) and store.is_allowed_to_delete(DEFAULT_COLLECTION, BEN)
    assert store.delete(ids_of(store, "shared")[0], collection="shared", owner_secret=BEN)


def test_creating_an_existing_collection_does_not_change_its_owner(store):
    store.create_collection("anna", owner_secret=BEN)
    store.create_collection("shared", owner_secret=BEN)
    assert not store.is_allowed_to_delete("anna", BEN) and store.is_allowed_to_delete("anna", ANNA)
    assert store.is_allowed_to_delete("shared", ANNA), "an existing unowned collection is not claimed"


def test_the_secret_itself_is_not_stored(store):
    with sqlite3.connect(store.path) as connection:
        dump = "\n".join(connection.iterdump())
    connection.close()
    assert ANNA not in dump


def test_a_collection_is_deleted_with_its_drawings_and_the_others_keep_theirs(store):
    assert store.delete_collection("anna") == 2
    assert "anna" not in store.list_collections() and not store.has_collection("anna")
    assert store.count_by_collection() == {DEFAULT_COLLECTION: 0, "shared": 1}
    with pytest.raises(MyDigitsError, match="no collection named 'anna'"):
        store.delete_collection("anna")


def test_the_default_collection_cannot_be_deleted(store):
    with pytest.raises(MyDigitsError, match="'default' cannot be deleted"):
        store.delete_collection(DEFAULT_COLLECTION)


# The collections table before owners existed (drawings already had collections).
SCHEMA_BEFORE_OWNERS = """
CREATE TABLE drawings (id INTEGER PRIMARY KEY AUTOINCREMENT, label INTEGER NOT NULL CHECK (label BETWEEN 0 AND 9),
    created_at TEXT NOT NULL, source TEXT NOT NULL, digit BLOB NOT NULL, drawing_png BLOB,
    collection TEXT NOT NULL DEFAULT 'default');
CREATE TABLE collections (name TEXT PRIMARY KEY, created_at TEXT NOT NULL);
INSERT INTO collections VALUES ('default', '2025-01-01 00:00:00'), ('old', '2025-01-01T00:00:00+00:00');
INSERT INTO drawings (label, created_at, source, digit, collection)
    VALUES (4, '2025-01-01T00:00:00+00:00', 'canvas', zeroblob(784), 'old');
"""


def test_a_file_from_before_owners_migrates_and_its_collections_stay_open(tmp_path):
    path = tmp_path / "my_digits.sqlite3"
    with sqlite3.connect(path) as connection:
        connection.executescript(SCHEMA_BEFORE_OWNERS)
    connection.close()
    store = MyDigitsStore(path)
    assert store.count_by_collection() == {DEFAULT_COLLECTION: 0, "old": 1}
    assert store.is_allowed_to_delete("old", None), "made before owners: anyone may delete, as before"
    store.create_collection("new", owner_secret=ANNA)
    assert not MyDigitsStore(path).is_allowed_to_delete("new", BEN), "migrating twice changes nothing"


def set_created_at(store: MyDigitsStore, collection: str, when: datetime) -> None:
    """Pretend a collection was created at another time."""
    with sqlite3.connect(store.path) as connection:
        connection.execute("UPDATE collections SET created_at = ? WHERE name = ?",
                           (when.isoformat(timespec="seconds"), collection))
    connection.close()


def test_a_full_server_reuses_the_room_of_the_oldest_old_empty_collection(store, monkeypatch):
    monkeypatch.setattr(config, "MAX_COLLECTIONS", 5)  # default, anna, shared + two
    now = datetime.now(timezone.utc)
    store.create_collection("empty-old")
    store.create_collection("empty-older")
    set_created_at(store, "empty-old", now - timedelta(hours=2))
    set_created_at(store, "empty-older", now - timedelta(hours=3))
    set_created_at(store, "anna", now - timedelta(days=9))  # old, but it holds drawings
    store.create_collection("newcomer")
    assert store.list_collections() == [DEFAULT_COLLECTION, "anna", "empty-old", "newcomer", "shared"]
    store.create_collection("second")
    assert "empty-old" not in store.list_collections()
    with pytest.raises(MyDigitsError, match="already holds 5 collections"):
        store.create_collection("third")  # "newcomer" and "second" are empty but new: they keep their room


def test_an_empty_collection_younger_than_the_grace_period_is_kept(store):
    now = datetime.now(timezone.utc)
    store.create_collection("fresh")
    set_created_at(store, "fresh", now - timedelta(seconds=config.EMPTY_COLLECTION_GRACE_SECONDS - 60))
    assert not store.run(lambda connection: reclaim_empty_collection(connection, now), write=True)
    assert store.run(lambda connection: reclaim_empty_collection(connection, now + timedelta(seconds=120)),
                     write=True)


def test_an_empty_collection_with_lesson_progress_or_the_class_set_is_never_reclaimed(store):
    from mnist_cnn.my_digits.class_set import CLASS_SET, ensure_class_set
    from mnist_cnn.my_digits.lesson_progress import read_steps_done, record_step_done

    long_ago = datetime.now(timezone.utc) - timedelta(seconds=config.EMPTY_COLLECTION_GRACE_SECONDS + 60)
    store.create_collection("learner")
    record_step_done(store, "learner", "convolution_arithmetic", 1)  # a step done, no drawing saved
    ensure_class_set(store)
    for name in ("learner", CLASS_SET):
        set_created_at(store, name, long_ago)
    assert not store.run(lambda connection: reclaim_empty_collection(connection), write=True)
    assert read_steps_done(store, "learner") == {"convolution_arithmetic": {1}}
    store.create_collection("idle")
    set_created_at(store, "idle", long_ago)
    assert store.run(lambda connection: reclaim_empty_collection(connection), write=True)  # the truly empty one
    assert "idle" not in store.list_collections() and {"learner", CLASS_SET} <= set(store.list_collections())
