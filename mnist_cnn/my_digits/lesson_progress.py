"""Lesson progress per collection: which steps of which lesson a collection has answered right, and when."""

from sqlalchemy import text

from mnist_cnn.my_digits.collections import MyDigitsStore, now_text, validate_collection_name


def record_step_done(store: MyDigitsStore, collection: str, lesson: str, step: int) -> None:
    """Remember that `collection` answered step `step` (from 1) of `lesson` right (the first time counts)."""
    collection = validate_collection_name(collection)
    if isinstance(step, bool) or not isinstance(step, int) or step < 1:
        raise ValueError(f"a step is a whole number from 1, got {step!r}")
    parameters = {"collection": collection, "lesson": lesson, "step": step, "now": now_text()}
    store.run(lambda connection: connection.execute(text(
        "INSERT INTO lesson_progress (collection, lesson, step, answered_at) VALUES (:collection, :lesson, :step, "
        ":now) ON CONFLICT DO NOTHING"), parameters), write=True)  # SQLite and PostgreSQL alike


def read_steps_done(store: MyDigitsStore, collection: str) -> dict[str, set[int]]:
    """Lesson name -> the steps (from 1) that `collection` has answered right."""
    collection = validate_collection_name(collection)
    rows = store.read_all("SELECT lesson, step FROM lesson_progress WHERE collection = :collection",
                          {"collection": collection})
    done: dict[str, set[int]] = {}
    for lesson, step in rows:
        done.setdefault(lesson, set()).add(step)
    return done


def forget_progress(store: MyDigitsStore, collection: str, lesson: str) -> None:
    """Start a lesson again for a collection: its recorded steps are removed."""
    collection = validate_collection_name(collection)
    store.run(lambda connection: connection.execute(
        text("DELETE FROM lesson_progress WHERE collection = :collection AND lesson = :lesson"),
        {"collection": collection, "lesson": lesson}), write=True)
