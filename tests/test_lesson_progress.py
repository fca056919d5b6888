"""Lesson progress per collection: kept in the drawings database, separate per collection, kept across reopening,
added to a database made before lessons, and removed with its collection."""

import sqlite3

import numpy as np
import pytest

from mnist_cnn.my_digits.collections import MyDigitsError, MyDigitsStore
from mnist_cnn.my_digits.lesson_progress import forget_progress, read_steps_done, record_step_done


def test_progress_is_kept_per_collection_and_survives_reopening(tmp_path):
    path = tmp_path / "my_digits.sqlite3"
    store = MyDigitsStore(path)
    record_step_done(store, "anna", "convolution_arithmetic", 1)
    record_step_done(store, "anna", "convolution_arithmetic", 3)
    record_step_done(store, "anna", "convolution_arithmetic", 1)  # answered right again: counted once
    record_step_done(store, "anna", "fooling_a_cnn", 2)
    record_step_done(store, "Ben 2", "convolution_arithmetic", 2)
    reopened = MyDigitsStore(path)
    assert read_steps_done(reopened, "anna") == {"convolution_arithmetic": {1, 3}, "fooling_a_cnn": {2}}
    assert read_steps_done(reopened, "Ben 2") == {"convolution_arithmetic": {2}}
    assert read_steps_done(reopened, "carl") == {}
    with sqlite3.connect(path) as connection:
        rows = connection.execute("SELECT answered_at FROM lesson_progress WHERE collection = 'anna'").fetchall()
    connection.close()
    assert len(rows) == 3 and all(row[0].startswith("20") for row in rows)
    forget_progress(reopened, "anna", "convolution_arithmetic")
    assert read_steps_done(reopened, "anna") == {"fooling_a_cnn": {2}}


def test_bad_collections_and_steps_are_refused(tmp_path):
    store = MyDigitsStore(tmp_path / "my_digits.sqlite3")
    with pytest.raises(MyDigitsError, match="not a valid collection name"):
        record_step_done(store, "a/b", "lesson", 1)
    for step in (0, -1, True, "2"):
        with pytest.raises(ValueError, match="a step is a whole number from 1"):
            record_step_done(store, "anna", "lesson", step)


def test_a_database_made_before_lessons_gets_the_progress_table(tmp_path):
    path = tmp_path / "my_digits.sqlite3"
    store = MyDigitsStore(path)
    store.add(3, np.zeros((28, 28), np.float32), collection="anna")
    with sqlite3.connect(path) as connection:  # as the version before lessons left it (Alembic revision 0002)
        connection.execute("DROP TABLE lesson_progress")
        connection.execute("UPDATE alembic_version SET version_num = '0002'")
    connection.close()
    reopened = MyDigitsStore(path)
    record_step_done(reopened, "anna", "lesson", 1)
    assert read_steps_done(reopened, "anna") == {"lesson": {1}}
    assert len(reopened.list_digits(collection="anna")) == 1  # the drawings are untouched


def test_deleting_a_collection_deletes_its_progress(tmp_path):
    store = MyDigitsStore(tmp_path / "my_digits.sqlite3")
    store.add(3, np.zeros((28, 28), np.float32), collection="anna")
    record_step_done(store, "anna", "lesson", 1)
    record_step_done(store, "default", "lesson", 2)
    store.delete_collection("anna")
    assert read_steps_done(store, "anna") == {} and read_steps_done(store, "default") == {"lesson": {2}}
