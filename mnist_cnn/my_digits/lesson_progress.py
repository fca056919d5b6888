"""Lesson progress per collection: which steps of which lesson a collection has answered right, and when."""

from mnist_cnn.my_digits.collections import MyDigitsStore, now_text, validate_collection_name
from mnist_cnn.my_digits.database import write_transaction


def record_step_done(store: MyDigitsStore, collection: str, lesson: str, step: int) -> None:
    """Remember that `collection` answered step `step` (from 1) of `lesson` right (the first time counts)."""
    collection = validate_collection_name(collection)
    if isinstance(step, bool) or not isinstance(step, int) or step < 1:
        raise ValueError(f"a step is a whole number from 1, got {step!r}")
    with store.connect() as connection, write_transaction(connection):
        connection.execute("INSERT OR IGNORE INTO lesson_progress (collection, lesson, step, answered_at) "
                           "VALUES (?, ?, ?, ?)", (collection, lesson, step, now_text()))


def read_steps_done(store: MyDigitsStore, collection: str) -> dict[str, set[int]]:
    """Lesson name -> the steps (from 1) that `collection` has answered right."""
    collection = validate_collection_name(collection)
    with store.connect() as connection:
        rows = connection.execute("SELECT lesson, step FROM lesson_progress WHERE collection = ?",
                                  (collection,)).fetchall()
    done: dict[str, set[int]] = {}
    for lesson, step in rows:
        done.setdefault(lesson, set()).add(step)
    return done


def forget_progress(store: MyDigitsStore, collection: str, lesson: str) -> None:
    """Start a lesson again for a collection: its recorded steps are removed."""
    collection = validate_collection_name(collection)
    with store.connect() as connection, write_transaction(connection):
        connection.execute("DELETE FROM lesson_progress WHERE collection = ? AND lesson = ?", (collection, lesson))
