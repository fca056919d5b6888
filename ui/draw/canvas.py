"""The Draw page's canvas: full size beside its answer on every screen, first on a phone, a shared drawing on it.

The canvas is CANVAS_SIZE pixels in a container of that width (never a share of the row, which is narrower than the
canvas on a laptop); the answer takes the rest and wraps below it where the row is too narrow. On a phone the
canvas and its answer come before the pen and the switches. A drawing brought by a shared link ("include my
drawing") is put on the canvas as its initial drawing and answered at once; Clear then goes through the server
(the canvas's own reset would bring the initial drawing back), and afterwards the canvas starts empty again.
"""

import streamlit as st
import streamlit_drawable_canvas

from mnist_cnn import config
from mnist_cnn.inputs.canvas_drawing import make_canvas_drawing, render_on_canvas

# Widget keys of the rows whose layout the page's CSS changes on a phone.
CANVAS_ROW_KEY = "draw_canvas_row"
CONTROLS_ROW_KEY = "draw_controls_row"
# Streamlit stacks columns below this width: the page is on a phone.
PHONE_WIDTH_PX = 640
# The drawing a shared link put on the canvas, kept until Clear or the next link: (the (28, 28) drawing, its Fabric.js
# initial drawing, its picture as the canvas would send it (CANVAS_SIZE, CANVAS_SIZE, 4)), made once per link.
LINKED_DRAWING_KEY = "draw_linked_drawing"


def make_layout_css(canvas_key: str) -> str:
    """The page's CSS: controls after the canvas on a phone; no page scroll or zoom from a finger on the canvas."""
    return f"""<style>
@media (max-width: {PHONE_WIDTH_PX}px) {{
  [data-testid="stLayoutWrapper"]:has(> .st-key-{CONTROLS_ROW_KEY}) {{ order: 1; }}
}}
.st-key-{canvas_key}, .st-key-{canvas_key} * {{ touch-action: none; }}
</style>"""


def apply_canvas_layout(canvas_key: str) -> None:
    """Inject the Draw page's layout CSS (a style-only st.html takes no room on the page)."""
    st.html(make_layout_css(canvas_key))


def make_canvas_row(key: str):
    """(canvas container, answer container): a CANVAS_SIZE-wide block beside a stretching one, wrapping below."""
    row = st.container(horizontal=True, key=key, gap="medium")
    return row.container(width=config.CANVAS_SIZE), row.container(width="stretch")


def hold_linked_drawing() -> None:
    """Keep the drawing a shared link just brought (drawing_source "link") for the canvas."""
    drawing = st.session_state.get("drawing_input")  # (28, 28) float32 in [0, 1]
    if st.session_state.get("drawing_source") != "link" or drawing is None:
        return
    held = st.session_state.get(LINKED_DRAWING_KEY)
    if held is None or held[0] is not drawing:
        st.session_state[LINKED_DRAWING_KEY] = (drawing, make_canvas_drawing(drawing), render_on_canvas(drawing))


def holds_linked_drawing() -> bool:
    """Whether the canvas starts from a linked drawing (then Clear must go through the server)."""
    return st.session_state.get(LINKED_DRAWING_KEY) is not None


def forget_linked_drawing() -> None:
    """Clear's callback while a linked drawing is held: the canvas starts empty from now on."""
    st.session_state[LINKED_DRAWING_KEY] = None
    if st.session_state.get("drawing_source") == "link":
        st.session_state["drawing_source"] = "canvas"


def show_canvas(pen_width: int, key: str):
    """The canvas (with the held linked drawing on it, if any) and its result."""
    held = st.session_state.get(LINKED_DRAWING_KEY)
    # Called through its module, so that tests can stand in for the canvas (AppTest cannot run it).
    return streamlit_drawable_canvas.st_canvas(
        stroke_width=pen_width, stroke_color="#FFFFFF", background_color="#000000", height=config.CANVAS_SIZE,
        width=config.CANVAS_SIZE, drawing_mode="freedraw", initial_drawing=None if held is None else held[1],
        update_streamlit=True, return_image_data=True, key=key)


def linked_picture():
    """The held linked drawing as the canvas would send it (CANVAS_SIZE, CANVAS_SIZE, 4), or None."""
    held = st.session_state.get(LINKED_DRAWING_KEY)
    return None if held is None else held[2]


def linked_model_input(picture):
    """The linked (28, 28) drawing itself when `picture` is its canvas picture (used as the link gave it), or None."""
    held = st.session_state.get(LINKED_DRAWING_KEY)
    return held[0] if held is not None and picture is held[2] else None
