"""Streamlit glue for the user's labelled drawings: the shared store and the 'label this drawing' controls."""

import hashlib

import numpy as np
import streamlit as st

from mnist_cnn import config
from mnist_cnn.my_digits import DATABASE_NAME, MyDigitsError, MyDigitsStore


@st.cache_resource
def get_my_digits_store(path: str) -> MyDigitsStore:
    """One MyDigitsStore per database file and process (it opens a connection per operation)."""
    return MyDigitsStore(path)


def my_digits_store() -> MyDigitsStore:
    """The store at the configured user-data folder."""
    return get_my_digits_store(str(config.USER_DATA_DIR / DATABASE_NAME))


def save_labelled_drawing(label: int, source: str) -> None:
    """Store the source's last drawing with a label in the current collection, and confirm it or say why not."""
    from ui.collections import get_current_collection  # here: ui.collections imports this module

    model_input, drawing = st.session_state[f"label_drawing_{source}"]
    collection = get_current_collection()
    try:  # the store keeps a thumbnail of the drawing (at most MAX_DRAWING_SIDE pixels a side)
        my_digits_store().add(label, model_input, drawing, source, collection=collection)
    except MyDigitsError as error:
        st.error(f"The drawing could not be saved: {error}")
        return
    st.session_state["last_saved_drawing"] = hashlib.sha1(model_input.tobytes()).hexdigest()
    st.toast(f"Saved as a {label} in {collection!r}. See it on the My digits page.", icon=":material/check:")


def save_corrected_label(correction_key: str, source: str) -> None:
    """Save the source's last drawing with the digit picked in the "No, it is a" box."""
    save_labelled_drawing(int(st.session_state[correction_key]), source)


def show_label_controls(model_input: np.ndarray, drawing: np.ndarray | None, predicted_digit: int | None,
                          source: str = "canvas") -> None:
    """'Teach it your handwriting': confirm the prediction (None: not a digit) or give the right digit, and save.

    The drawing waits in the session state, not in the buttons' callbacks: a stroke copies and shrinks nothing.
    """
    fingerprint = hashlib.sha1(model_input.tobytes()).hexdigest()
    st.session_state[f"label_drawing_{source}"] = (model_input, drawing)
    with st.container(border=True):
        st.markdown("**Teach it your handwriting**: save this drawing with its right label, then fine-tune "
                    "from the sidebar's Retrain panel.")
        if st.session_state.get("last_saved_drawing") == fingerprint:
            st.success("This drawing is saved. Draw another one!", icon=":material/check:")
            return
        row = st.container(horizontal=True, vertical_alignment="bottom")  # one block (st.columns sends four)
        if predicted_digit is not None:
            row.button(f"Yes, it is a {predicted_digit}", icon=":material/thumb_up:",
                       key=f"label_confirm_{source}", on_click=save_labelled_drawing,
                       args=(predicted_digit, source))
        correction_key = f"label_correct_{source}_{fingerprint[:10]}"
        right_digit = row.selectbox("No, it is a" if predicted_digit is not None else "If it is a digit, it is a",
                                    list(range(10)), index=None, placeholder="pick the digit", key=correction_key)
        row.button("Save", key=f"label_save_{source}", disabled=right_digit is None,
                   on_click=save_corrected_label, args=(correction_key, source))
