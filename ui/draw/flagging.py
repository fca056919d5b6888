"""The Draw page's "It got this wrong" row: one click files the drawing with the right digit (or "not a digit") in
the student's collection and in the class set (mnist_cnn/my_digits/class_set.py), for the teacher's class view."""

import hashlib

import streamlit as st

from mnist_cnn.my_digits.class_set import file_wrong_answer
from mnist_cnn.my_digits.collections import MyDigitsError
from mnist_cnn.safety.rate_limit import RateLimitError
from mnist_cnn.safety.text import escape_markdown
from ui import limits
from ui.collections import get_current_collection
from ui.draw.labelling import is_saved
from ui.my_digits_store import class_records, my_digits_store

# The row's last choice, besides the ten digits, and the session key of the drawing filed last.
NOT_A_DIGIT = "not a digit"
FLAG_OPTIONS = [*range(10), NOT_A_DIGIT]
FLAGGED_KEY = "last_flagged_drawing"
FLAG_HELP = ("The model read it wrong? Click what it really is: the drawing is saved in your collection with that "
             "label and filed in the class set, where the teacher sees it and can fine-tune a class model on it. "
             "\"not a digit\" files a drawing that is no digit at all.")


def flag_key(source: str) -> str:
    """The session key of a source's "It got this wrong" row."""
    return f"flag_pick_{source}"


def remember_answer(source: str, digit: int, is_digit: bool) -> None:
    """Keep the model's answer on the source's drawing (its top digit, and whether it called it a digit)."""
    st.session_state[f"label_answer_{source}"] = (int(digit), bool(is_digit))


def describe_filed(label: int | None, collection: str) -> str:
    """The confirmation of a filed drawing."""
    if label is None:
        return "Filed as not a digit for the class. Thank you: the teacher sees it in the class view."
    return (f"Filed as a {label} in {escape_markdown(repr(collection))} and in the class set. Thank you: the "
            f"teacher can fine-tune a class model on these.")


def file_drawing(label: int | None, source: str) -> None:
    """File the source's last drawing with this label (None: not a digit), counted as one save; say how it went."""
    remembered = st.session_state.get(f"label_drawing_{source}")
    answer = st.session_state.get(f"label_answer_{source}")
    if remembered is None or answer is None:
        st.toast("Draw a digit first, then say what it really is.", icon=":material/draw:")
        return
    model_input, drawing = remembered
    fingerprint = hashlib.sha1(model_input.tobytes()).hexdigest()
    if st.session_state.get(FLAGGED_KEY) == fingerprint:
        st.toast("This drawing is already filed. Draw another one!", icon=":material/check:")
        return
    collection = get_current_collection()
    try:
        with limits.counted_save():
            file_wrong_answer(my_digits_store(), class_records(), label, answer, model_input, drawing, source,
                              collection, save_own_copy=not is_saved(model_input))
    except (MyDigitsError, RateLimitError) as error:
        st.error(f"The drawing was not filed: {escape_markdown(error)}")
        return
    st.session_state[FLAGGED_KEY] = fingerprint
    if label is not None:
        st.session_state["last_saved_drawing"] = fingerprint  # the Teach-it row then says it is saved
    st.toast(describe_filed(label, collection), icon=":material/flag:")


def file_picked_flag(source: str) -> None:
    """The row's callback: file the drawing with the choice, and empty the row for the next drawing."""
    picked = st.session_state.get(flag_key(source))
    st.session_state[flag_key(source)] = None
    if picked is not None:
        file_drawing(None if picked == NOT_A_DIGIT else int(picked), source)


def show_flag_picker(source: str) -> None:
    """'It got this wrong: it is a' 0-9 or 'not a digit', one click."""
    st.pills("It got this wrong: it is a", FLAG_OPTIONS, key=flag_key(source), on_change=file_picked_flag,
             args=(source,), help=FLAG_HELP)
