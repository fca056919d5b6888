"""Draw page: draw a digit (or upload a picture of one), see the network's answer and how it got there."""

import streamlit as st

from mnist_cnn import config
from mnist_cnn.inputs.preprocess import PreprocessError, preprocess_drawing
from mnist_cnn.inputs.uploads import UPLOAD_TYPES, UploadError
from mnist_cnn.lessons.options import make_draw_options, page_option
from mnist_cnn.safety.text import escape_markdown
from ui.draw.canvas import (CANVAS_ROW_KEY, CONTROLS_ROW_KEY, apply_canvas_layout, forget_linked_drawing,
                            hold_linked_drawing, holds_linked_drawing, linked_model_input, linked_picture,
                            make_canvas_row, show_canvas)
from ui.draw.canvas_controls import read_drawing, show_canvas_controls
from ui.draw.details import show_details
from ui.draw.flagging import remember_answer, show_flag_picker
from ui.draw.labelling import forget_drawing, show_canvas_label_picker, show_label_controls
from ui.draw.neighbours import show_neighbours
from ui.draw.prediction import (choose_network, classify_drawing, is_quick, show_prediction,
                                show_quick_answer_note)
from ui.draw.uploads import decode_uploaded_file
from ui.draw.what_if import show_what_if
from ui.personal import show_personal_answer, show_personal_switch
from ui.state import require_stored_model

# The canvas: a black square with a white pen; the pen's default width is 8% of the canvas.
CANVAS_KEY = "digit_canvas"
PEN = page_option("draw", "pen")  # its key, range and default (8% of the canvas)

# What the page says while there is nothing to classify on the canvas.
DRAW_HINT = ("Draw a digit on the black square, as large as you like: the prediction appears when you release "
             "the mouse or lift your finger.")


def closer_look_keys(source: str) -> tuple[str, str, str]:
    """The session keys of the three closer-look switches of a source: details, what-if, neighbours."""
    options = make_draw_options(source)
    return options["details"].key, options["what_if"].key, options["neighbours"].key


def show_answer_switches(source: str) -> None:
    """One row of switches over the answer: use my drawings, and three closer looks (off by default).

    For the canvas this row is drawn outside the stroke's fragment: a stroke then resends none of it.
    """
    details, what_if, neighbours = closer_look_keys(source)
    with st.container(horizontal=True):
        show_personal_switch(source)
        st.toggle("How it decided", key=details, help="The saliency map, and the drawing at each preprocessing step.")
        st.toggle("What if…", key=what_if,
                  help="Switch off a normalisation step, or shift, scale and rotate the digit.")
        st.toggle("Neighbours and the map", key=neighbours,
                  help="The nearest training digits as the network sees them, and a map of test digits with yours "
                       "on it (the first time per model takes seconds).")


def show_answer(image, source: str) -> None:
    """Preprocess one picture (canvas RGBA or upload), classify it and show everything about it.

    Until the server's TensorFlow is warm, a NumPy stand-in answers (the probabilities only: the rest follows)."""
    forget_drawing(source)  # until this picture proves classifiable, there is nothing to label
    if image is None:  # the canvas has not sent a drawing yet
        st.info(DRAW_HINT, icon=":material/draw:")
        return
    try:
        prepared = preprocess_drawing(image)
    except PreprocessError as error:
        st.warning(f"This picture cannot be classified: {error}")
        return
    linked = linked_model_input(image)  # a shared link's drawing is read as the link gave it
    model_input = prepared.model_input if linked is None else linked  # (28, 28) float32 in [0, 1], or None
    if model_input is None:
        st.info(DRAW_HINT if prepared.is_blank and source == "canvas" else prepared.message,
                icon=":material/draw:")
        return
    model = choose_network()  # Keras, or NumPy while TensorFlow loads; None after a placeholder
    if model is None:
        return
    classification = classify_drawing(model, model_input)
    st.session_state["drawing_input"] = model_input
    st.session_state["drawing_source"] = source
    show_prediction(classification)
    if is_quick(model):
        show_quick_answer_note()  # the page answers again with Keras by itself once it is ready
    else:
        show_personal_answer(model, model_input, classification, page=source)
    remember_answer(source, classification.digit, classification.is_digit)  # for "It got this wrong"
    show_label_controls(model_input, image, classification.digit if classification.is_digit else None, source)
    if source != "canvas":  # the canvas's row is outside the stroke's fragment
        show_flag_picker(source)
    if is_quick(model):
        return
    # The closer looks cost more than all the rest: each computed and drawn only while its switch is on.
    details, what_if, neighbours = (st.session_state.get(key, False) for key in closer_look_keys(source))
    if details:
        show_details(model, model_input, prepared.steps, classification.digit, source)
    if what_if:
        show_what_if(model, image, source)  # the same picture through a changed preprocessing
    if neighbours:
        show_neighbours(model, model_input, source)  # nearest training digits and the PCA map


@st.fragment
def show_canvas_and_answer() -> None:
    """The canvas and its result, rerun on their own after each stroke."""
    canvas_column, result_column = make_canvas_row(CANVAS_ROW_KEY)  # the canvas at full size, first on a phone
    with canvas_column:
        canvas = show_canvas(st.session_state[PEN.key], CANVAS_KEY)  # with a shared link's drawing, if any
    with result_column:
        drawing = read_drawing(canvas)  # None until the canvas sends one: then the linked drawing, if any
        show_answer(linked_picture() if drawing is None else drawing, source="canvas")


@st.fragment
def show_upload_and_answer() -> None:
    """A photo or scan of a digit, classified through the same pipeline as drawings."""
    upload = st.file_uploader("A photo or scan of one handwritten digit (PNG, JPEG or BMP)",
                              type=UPLOAD_TYPES, key="digit_upload",
                              max_upload_size=max(1, config.MAX_UPLOAD_BYTES // 2**20))
    if upload is None:
        st.caption("Dark ink on light paper and light ink on dark both work; crop to a single digit.")
        return
    try:
        image = decode_uploaded_file(upload)  # decoded once per file, at most 1000 px
    except UploadError as error:
        st.error(f"**{escape_markdown(upload.name)}** cannot be used. {error}", icon=":material/broken_image:")
        return
    picture, result = make_canvas_row("draw_upload_row")
    picture.image(image, caption=escape_markdown(upload.name), width="stretch", alt="The uploaded picture")
    with result:
        show_answer_switches("upload")
        show_answer(image, source="upload")


require_stored_model()  # its metadata only: the page shows before TensorFlow is loaded
st.title("Draw a digit")
st.caption("The network sees your drawing the way MNIST digits were made: ink fitted into a 20×20 box and "
           "centred by its centre of mass in 28×28. The \"How it decided\" switch, over the answer, shows each step.")
draw_tab, upload_tab = st.tabs(["Draw", "Upload a picture"])
apply_canvas_layout(CANVAS_KEY)  # the canvas never cut off, first on a phone, no page scroll under a finger
hold_linked_drawing()  # a shared link's drawing goes on the canvas
with draw_tab:
    # The pen, Clear, the label picker and the switches sit outside the canvas's fragment: a stroke reruns and
    # resends only the canvas and its answer (changing one of these reruns the page, answer included).
    pen_column, switches_column = make_canvas_row(CONTROLS_ROW_KEY)
    with pen_column:
        st.slider("Pen width", PEN.low, PEN.high, PEN.start, key=PEN.key,
                  help="Draw with a mouse, pen or finger. Undo and redo are in the canvas toolbar.")
        # Clear, and each stroke sent the moment it ends (a linked drawing is cleared by the server)
        show_canvas_controls(CANVAS_KEY, forget_linked_drawing if holds_linked_drawing() else None)
    with switches_column:
        show_canvas_label_picker()  # saves whatever the canvas holds: a stroke changes and resends none of it
        show_flag_picker("canvas")  # "It got this wrong": files it in the collection and the class set
        show_answer_switches("canvas")
    show_canvas_and_answer()
with upload_tab:
    show_upload_and_answer()
