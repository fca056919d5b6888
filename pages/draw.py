"""Draw page: draw a digit (or upload a picture of one), see the network's answer and how it got there."""

import streamlit as st
from streamlit_drawable_canvas import st_canvas

from mnist_cnn import config
from mnist_cnn.inputs.preprocess import PreprocessError, preprocess_drawing
from mnist_cnn.inputs.uploads import UPLOAD_TYPES, UploadError
from mnist_cnn.lessons.options import make_draw_options, page_option
from mnist_cnn.model.inference import classify
from mnist_cnn.plots.probabilities import make_probability_bars
from mnist_cnn.safety.text import escape_markdown
from ui.draw.canvas_controls import read_drawing, show_canvas_controls
from ui.draw.details import show_details
from ui.draw.flagging import remember_answer, show_flag_picker
from ui.draw.labelling import forget_drawing, show_canvas_label_picker, show_label_controls
from ui.draw.neighbours import show_neighbours
from ui.draw.uploads import decode_uploaded_file
from ui.draw.what_if import show_what_if
from ui.personal import show_personal_answer, show_personal_switch
from ui.state import require_model
from ui.verdict import show_not_a_digit

# The canvas: a black square with a white pen; the pen's default width is 8% of the canvas.
CANVAS_KEY = "digit_canvas"
PEN = page_option("draw", "pen")  # its key, range and default (8% of the canvas)
COLUMN_WIDTHS = [2, 5]  # the canvas (or uploaded picture) beside its answer

# What the page says while there is nothing to classify on the canvas.
DRAW_HINT = ("Draw a digit on the black square, as large as you like: the prediction appears when you release "
             "the mouse or lift your finger.")

def show_prediction(classification) -> None:
    """The predicted digit and its confidence (or "not a digit"), a warning when unsure, all ten probabilities."""
    # One element: the confidence is the metric's second line. Each element of a stroke's answer is one more
    # message, and the browser redraws the page once per message.
    if classification.is_digit:
        st.metric("Prediction", str(classification.digit), delta=f"{classification.confidence:.1%} confidence",
                  delta_color="off", delta_arrow="off")
    else:
        st.metric("Prediction", "not a digit", delta=f"{classification.confidence:.1%} top probability",
                  delta_color="off", delta_arrow="off")
    if not classification.is_digit:
        show_not_a_digit(classification)
    elif classification.is_unsure:
        st.warning(f"Not sure: {classification.reason} The bars show what else it might be; a clearer, "
                   f"more typical shape usually helps.", icon=":material/help:")
    st.html(make_probability_bars(classification.probabilities))


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


def show_answer(model, image, source: str) -> None:
    """Preprocess one picture (canvas RGBA or upload), classify it and show everything about it."""
    forget_drawing(source)  # until this picture proves classifiable, there is nothing to label
    if image is None:  # the canvas has not sent a drawing yet
        st.info(DRAW_HINT, icon=":material/draw:")
        return
    try:
        prepared = preprocess_drawing(image)
    except PreprocessError as error:
        st.warning(f"This picture cannot be classified: {error}")
        return
    model_input = prepared.model_input  # (28, 28) float32 in [0, 1], or None
    if model_input is None:
        st.info(DRAW_HINT if prepared.is_blank and source == "canvas" else prepared.message,
                icon=":material/draw:")
        return
    classification = classify(model, model_input)
    st.session_state["drawing_input"] = model_input
    st.session_state["drawing_source"] = source
    show_prediction(classification)
    show_personal_answer(model, model_input, classification, page=source)
    remember_answer(source, classification.digit, classification.is_digit)  # for "It got this wrong"
    show_label_controls(model_input, image, classification.digit if classification.is_digit else None, source)
    if source != "canvas":  # the canvas's row is outside the stroke's fragment
        show_flag_picker(source)
    # The closer looks cost more than all the rest: each computed and drawn only while its switch is on.
    details, what_if, neighbours = (st.session_state.get(key, False) for key in closer_look_keys(source))
    if details:
        show_details(model, model_input, prepared.steps, classification.digit, source)
    if what_if:
        show_what_if(model, image, source)  # the same picture through a changed preprocessing
    if neighbours:
        show_neighbours(model, model_input, source)  # nearest training digits and the PCA map


@st.fragment
def show_canvas_and_answer(model) -> None:
    """The canvas and its result, rerun on their own after each stroke."""
    canvas_column, result_column = st.columns(COLUMN_WIDTHS)
    with canvas_column:
        canvas = st_canvas(stroke_width=st.session_state[PEN.key], stroke_color="#FFFFFF",
                           background_color="#000000", height=config.CANVAS_SIZE, width=config.CANVAS_SIZE,
                           drawing_mode="freedraw", update_streamlit=True, return_image_data=True, key=CANVAS_KEY)
    with result_column:
        show_answer(model, read_drawing(canvas), source="canvas")


@st.fragment
def show_upload_and_answer(model) -> None:
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
    picture, result = st.columns(COLUMN_WIDTHS)
    picture.image(image, caption=escape_markdown(upload.name), width="stretch")
    with result:
        show_answer_switches("upload")
        show_answer(model, image, source="upload")


stored, model = require_model()
st.title("Draw a digit")
st.caption("The network sees your drawing the way MNIST digits were made: ink fitted into a 20×20 box and "
           "centred by its centre of mass in 28×28. The \"How it decided\" switch, over the answer, shows each step.")
draw_tab, upload_tab = st.tabs(["Draw", "Upload a picture"])
with draw_tab:
    # The pen, Clear, the label picker and the switches sit outside the canvas's fragment: a stroke reruns and
    # resends only the canvas and its answer (changing one of these reruns the page, answer included).
    pen_column, switches_column = st.columns(COLUMN_WIDTHS, vertical_alignment="bottom")
    with pen_column:
        st.slider("Pen width", PEN.low, PEN.high, PEN.start, key=PEN.key,
                  help="Draw with a mouse, pen or finger. Undo and redo are in the canvas toolbar.")
        show_canvas_controls(CANVAS_KEY)  # Clear, and each stroke sent the moment it ends
    with switches_column:
        show_canvas_label_picker()  # saves whatever the canvas holds: a stroke changes and resends none of it
        show_flag_picker("canvas")  # "It got this wrong": files it in the collection and the class set
        show_answer_switches("canvas")
    show_canvas_and_answer(model)
with upload_tab:
    show_upload_and_answer(model)
