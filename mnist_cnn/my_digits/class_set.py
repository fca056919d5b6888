"""The class set: the drawings students said the model got wrong ("It got this wrong"), kept for the whole class.

It is a reserved collection, CLASS_SET, created with an owner secret nobody holds, so only the teacher may delete its
drawings (no student created it); students cannot create a collection of that name. A drawing filed with a digit
goes into the student's own collection (as any labelled drawing) and into the class set, whose copy's source
says where it came from ("flag:<collection>"). A drawing filed as "not a digit" cannot go into the drawings table
(labels are 0-9): it is kept once, with its collection, in ClassRecords' "not a digit" flags.
"""

import secrets
from dataclasses import dataclass

import numpy as np

from mnist_cnn.my_digits.class_records import ClassRecords
from mnist_cnn.my_digits.collections import MyDigitsError, MyDigitsStore
from mnist_cnn.my_digits.database import CLASS_SET

# The source prefix of the class set's drawings ("flag:<collection>").
FLAG_SOURCE_PREFIX = "flag:"


@dataclass(frozen=True)
class FiledDrawing:
    """Where one "It got this wrong" drawing was kept: (collection, id) pairs, or the "not a digit" flag's id."""

    label: int | None            # the right digit, or None for "not a digit"
    places: tuple[tuple[str, int], ...]


def is_reserved(name: str) -> bool:
    """Whether a (validated) collection name is the class set's, which students may not create."""
    return name.strip(" ").casefold() == CLASS_SET


def ensure_class_set(store: MyDigitsStore) -> None:
    """Create the class set unless it exists, owned by a secret nobody keeps (only the teacher may delete)."""
    if not store.has_collection(CLASS_SET):
        store.create_collection(CLASS_SET, owner_secret=secrets.token_hex(32))


def check_is_wrong(label: int | None, predicted: int, is_digit: bool) -> None:
    """MyDigitsError when the model already gave this answer (is_digit False: it said "not a digit")."""
    if label is None and not is_digit:
        raise MyDigitsError("The model already says this is not a digit.")
    if label is not None and is_digit and label == predicted:
        raise MyDigitsError(f"The model already reads this as a {label}: pick the digit you meant.")


def file_wrong_answer(store: MyDigitsStore, records: ClassRecords, label: int | None, answer: tuple[int, bool],
                      model_input: np.ndarray, drawing: np.ndarray | None, source: str, collection: str, *,
                      save_own_copy: bool = True) -> FiledDrawing:
    """File a drawing the model got wrong with its right label (None: "not a digit") for the collection.

    answer is the model's (top digit, is_digit). A digit goes into the class set and (unless save_own_copy is
    False: it is there already) into the collection; if the second write fails, the first is taken back.
    Raises MyDigitsError (the model was right, a collection is full, the database failed).
    """
    predicted, is_digit = int(answer[0]), bool(answer[1])
    check_is_wrong(label, predicted, is_digit)
    if label is None:
        flag = records.add_non_digit(model_input, drawing, predicted, collection=collection)
        return FiledDrawing(None, (("not a digit", flag),))
    ensure_class_set(store)
    class_id = store.add(int(label), model_input, drawing, f"{FLAG_SOURCE_PREFIX}{collection}", collection=CLASS_SET)
    places = [(CLASS_SET, class_id)]
    if save_own_copy and collection != CLASS_SET:
        try:
            places.append((collection, store.add(int(label), model_input, drawing, source, collection=collection)))
        except MyDigitsError:
            store.delete(class_id, collection=CLASS_SET, teacher=True)
            raise
    return FiledDrawing(int(label), tuple(places))
