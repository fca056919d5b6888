"""An input picker shared by the teaching pages: the current drawing or a test digit."""

from pathlib import Path

import numpy as np
import streamlit as st

from mnist_cnn.inputs.images import to_unit_floats
from mnist_cnn.lessons.options import option_key
from ui.state import test_set_or_message

# The two sources a page can start from.
MY_DRAWING, TEST_DIGIT = "My drawing", "Test digit"
DRAW_PAGE = Path(__file__).resolve().parent.parent / "pages" / "draw.py"


def require_drawing(drawing) -> np.ndarray:
    """The last drawing as (28, 28) float32, or stop the page after pointing the way to the Draw page."""
    if drawing is None:
        st.info("Draw a digit on the Draw page first, or pick a test digit.")
        if DRAW_PAGE.exists():
            st.page_link(str(DRAW_PAGE), label="Go to the Draw page", icon=":material/draw:")
        st.stop()
    return np.asarray(drawing, dtype="float32").reshape(28, 28)


def choose_digit(page: str):
    """Radio + index picker: (image (28, 28) float32 in [0, 1], true label or None, caption), or stops the page."""
    drawing = st.session_state.get("drawing_input")
    source = st.radio("Input", [MY_DRAWING, TEST_DIGIT], index=0 if drawing is not None else 1, horizontal=True,
                      key=option_key(page, "input"))
    if source == MY_DRAWING:
        return require_drawing(drawing), None, "your drawing"
    x_test, y_test = test_set_or_message()
    if x_test is None:
        st.stop()
    index_key = f"{page}_test_index"
    st.session_state.setdefault(index_key, 0)
    columns = st.columns([3, 1], vertical_alignment="bottom")
    index = columns[0].number_input(f"Test digit index (0–{len(x_test) - 1})", 0, len(x_test) - 1, step=1,
                                    key=index_key)
    columns[1].button("Random", icon=":material/casino:", width="stretch", key=f"{page}_random",
                      on_click=st.session_state.update,
                      kwargs={index_key: int(np.random.default_rng().integers(len(x_test)))})
    return to_unit_floats(x_test[index]), int(y_test[index]), f"test digit #{index}"
