"""The Draw page's "teach it your handwriting" controls: save a drawing with the digit picked, in the collection."""

import hashlib

import numpy as np
import streamlit as st

from mnist_cnn.my_digits.collections import MyDigitsError
from mnist_cnn.safety.rate_limit import RateLimitError
from mnist_cnn.safety.text import escape_markdown
from ui import limits
from ui.collections import get_current_collection
from ui.my_digits_store import my_digits_store

CANVAS_PICKER_KEY = "label_pick_canvas"
PICKER_HELP = ("Pick the digit you meant, right or wrong: the drawing is saved in your collection with that label. "
               "\"Use my drawings\" then adapts the answers at once, and the sidebar's Retrain panel fine-tunes the "
               "network on them.")


def add_counted_drawing(label: int, model_input: np.ndarray, drawing, source: str, collection: str) -> None:
    """Save one drawing, counted against this session's MAX_SAVES_PER_MINUTE (a refused save is not counted)."""
    with limits.counted_save():  # the store keeps a thumbnail of the drawing (at most MAX_DRAWING_SIDE px a side)
        my_digits_store().add(label, model_input, drawing, source, collection=collection)


def save_labelled_drawing(label: int, source: str) -> None:
    """Store the source's last drawing with a label in the current collection, and confirm it or say why not."""
    model_input, drawing = st.session_state[f"label_drawing_{source}"]
    collection = get_current_collection()
    try:
        add_counted_drawing(label, model_input, drawing, source, collection)
    except (MyDigitsError, RateLimitError) as error:
        st.error(f"The drawing could not be saved: {escape_markdown(error)}")
        return
    st.session_state["last_saved_drawing"] = hashlib.sha1(model_input.tobytes()).hexdigest()
    st.toast(f"Saved as a {label} in {escape_markdown(repr(collection))}. See it on the My digits page.",
             icon=":material/check:")


def save_picked_label(picker_key: str, source: str) -> None:
    """Save the source's last drawing with the digit picked in its label picker (a pick undone saves nothing)."""
    picked = st.session_state.get(picker_key)
    if picked is not None:
        save_labelled_drawing(int(picked), source)


def forget_drawing(source: str) -> None:
    """There is no drawing to label from this source (an empty canvas, a blank or unreadable picture)."""
    st.session_state.pop(f"label_drawing_{source}", None)


def is_saved(model_input: np.ndarray) -> bool:
    """Whether this drawing is the one the session saved last."""
    return st.session_state.get("last_saved_drawing") == hashlib.sha1(model_input.tobytes()).hexdigest()


def save_canvas_pick() -> None:
    """The canvas picker's callback: save the canvas's drawing with the picked digit, and empty the picker."""
    picked = st.session_state.get(CANVAS_PICKER_KEY)
    st.session_state[CANVAS_PICKER_KEY] = None  # ready for the next drawing
    if picked is None:
        return
    remembered = st.session_state.get("label_drawing_canvas")  # left by the last stroke, if it can be classified
    if remembered is None:
        st.toast("Draw a digit on the canvas first, then pick the digit you meant.", icon=":material/draw:")
    elif is_saved(remembered[0]):
        st.toast("This drawing is already saved. Draw another one (or delete it on the My digits page).",
                 icon=":material/check:")
    else:
        save_labelled_drawing(int(picked), "canvas")


def show_canvas_label_picker() -> None:
    """'Teach it your handwriting' for the canvas: one row of digits that saves whatever is drawn on it.

    It is drawn outside the stroke's fragment and never changes with the drawing, so a stroke resends none of it;
    its callback reads the drawing the last stroke left in the session state.
    """
    st.pills("Teach it your handwriting: save the drawing as a", list(range(10)), key=CANVAS_PICKER_KEY,
             on_change=save_canvas_pick, help=PICKER_HELP)


def show_label_controls(model_input: np.ndarray, drawing: np.ndarray | None, predicted_digit: int | None,
                        source: str = "canvas") -> None:
    """Keep the drawing for labelling; say when it is saved; for an upload, the row of digits that saves it.

    The drawing waits in the session state, not in a callback's arguments: a stroke copies and shrinks nothing.
    The canvas's row of digits is show_canvas_label_picker, outside the stroke's fragment.
    """
    st.session_state[f"label_drawing_{source}"] = (model_input, drawing)
    if is_saved(model_input):
        st.success("This drawing is saved. Draw another one!", icon=":material/check:")
        return
    if source == "canvas":
        return
    fingerprint = hashlib.sha1(model_input.tobytes()).hexdigest()
    question = ("Teach it your handwriting: save this drawing as a" if predicted_digit is not None
                else "If it is a digit, teach it: save this drawing as a")
    picker_key = f"label_pick_{source}_{fingerprint[:10]}"  # a new drawing starts with nothing picked
    st.pills(question, list(range(10)), key=picker_key, on_change=save_picked_label, args=(picker_key, source),
             help=PICKER_HELP)
