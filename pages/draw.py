"""Draw page: draw a digit (or upload a picture of one), see the network's answer and how it got there."""

import streamlit as st
from streamlit_drawable_canvas import st_canvas

from mnist_cnn import config
from mnist_cnn.drawing_figures import make_probability_spec, make_saliency_overlay, make_step_gallery
from mnist_cnn.inference import classify, make_gradcam_heatmap, make_gradient_heatmap
from mnist_cnn.preprocess import PreprocessError, preprocess_drawing
from mnist_cnn.uploads import UPLOAD_TYPES, UploadError, decode_upload
from ui.canvas_controls import render_canvas_controls
from ui.neighbours import render_neighbours
from ui.state import require_model
from ui.what_if import render_what_if
from ui.user_digits import render_label_controls

# The canvas: a black square with a white pen; the pen's default width is 8% of the canvas.
CANVAS_SIZE = 300
CANVAS_KEY = "digit_canvas"
DEFAULT_PEN_WIDTH = round(0.08 * CANVAS_SIZE)
MIN_PEN_WIDTH, MAX_PEN_WIDTH = 4, 60

# What the page says while there is nothing to classify on the canvas.
DRAW_HINT = ("Draw a digit on the black square, as large as you like: the prediction appears when you release "
             "the mouse or lift your finger.")

# Saliency methods the user can pick from: label -> heatmap function.
SALIENCY_METHODS = {"Grad-CAM": make_gradcam_heatmap, "Input gradients": make_gradient_heatmap}
SALIENCY_CAPTIONS = {
    "Grad-CAM": "Warm colours mark the regions whose features in the last convolution layer raised the "
                "score of the predicted digit most; blue and uncoloured regions mattered little.",
    "Input gradients": "Warm colours mark the pixels where a small change of ink would change the score "
                       "of the predicted digit most.",
}


def read_drawing(canvas):
    """The canvas's RGBA drawing, or None before it has sent one."""
    if canvas.image_bytes is None:
        return None
    return canvas.image_data


def show_prediction(classification) -> None:
    """The predicted digit and its confidence, a warning when unsure, and all ten probabilities."""
    prediction, confidence = st.columns(2)
    prediction.metric("Prediction", str(classification.digit))
    confidence.metric("Confidence", f"{classification.confidence:.1%}")
    if classification.is_unsure:
        st.warning(f"Not sure: {classification.reason} The bars show what else it might be; a clearer, "
                   f"more typical shape usually helps.", icon=":material/help:")
    st.vega_lite_chart(make_probability_spec(classification.probabilities), width="stretch")


def show_steps(steps) -> None:
    """The preprocessing steps as small images side by side."""
    st.markdown("**How the drawing became a 28×28 MNIST-style input**")
    gallery = make_step_gallery(steps)
    for column, (caption, image) in zip(st.columns(len(gallery)), gallery):
        column.image(image, caption=caption, width="stretch")


def show_saliency(model, model_input, digit: int, source: str) -> None:
    """An overlay of the pixels that drove the decision, with a method picker and how to read it."""
    method = st.segmented_control("Saliency", list(SALIENCY_METHODS), default="Grad-CAM",
                                  key=f"saliency_method_{source}", required=True) or "Grad-CAM"
    heatmap = SALIENCY_METHODS[method](model, model_input, digit)
    st.image(make_saliency_overlay(model_input, heatmap), width=224,
             caption=f"What made the network say {digit}")
    st.caption(SALIENCY_CAPTIONS[method])


def classify_and_show(model, image, source: str) -> None:
    """Preprocess one picture (canvas RGBA or upload), classify it and show everything about it."""
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
    result, saliency = st.columns([3, 2])
    with result:
        show_prediction(classification)
        render_label_controls(model_input, image, classification.digit, source)
    with saliency:
        show_saliency(model, model_input, classification.digit, source)
    show_steps(prepared.steps)
    render_what_if(model, image, source)  # issue 17: the same picture through a changed preprocessing
    render_neighbours(model, model_input, source)  # issue 17: nearest training digits and the PCA map (off by default)


@st.fragment
def draw_and_classify(model) -> None:
    """The canvas and its result, rerun on their own after each stroke."""
    canvas_column, result_column = st.columns([2, 5])
    with canvas_column:
        pen_width = st.slider("Pen width", MIN_PEN_WIDTH, MAX_PEN_WIDTH, DEFAULT_PEN_WIDTH, key="pen_width")
        canvas = st_canvas(stroke_width=pen_width, stroke_color="#FFFFFF", background_color="#000000",
                           height=CANVAS_SIZE, width=CANVAS_SIZE, drawing_mode="freedraw",
                           update_streamlit=True, return_image_data=True, key=CANVAS_KEY)
        render_canvas_controls(CANVAS_KEY)  # Clear, and each stroke sent the moment it ends
        st.caption("Draw with a mouse, pen or finger. Undo and redo are in the canvas toolbar.")
    with result_column:
        classify_and_show(model, read_drawing(canvas), source="canvas")


@st.fragment
def upload_and_classify(model) -> None:
    """A photo or scan of a digit, classified through the same pipeline as drawings."""
    upload = st.file_uploader("A photo or scan of one handwritten digit (PNG, JPEG or BMP)",
                              type=UPLOAD_TYPES, key="digit_upload",
                              max_upload_size=max(1, config.MAX_UPLOAD_BYTES // 2**20))
    if upload is None:
        st.caption("Dark ink on light paper and light ink on dark both work; crop to a single digit.")
        return
    try:
        image = decode_upload(upload.getvalue())
    except UploadError as error:
        st.error(f"**{upload.name}** cannot be used. {error}", icon=":material/broken_image:")
        return
    picture, result = st.columns([2, 5])
    picture.image(image, caption=upload.name, width="stretch")
    with result:
        classify_and_show(model, image, source="upload")


stored, model = require_model()
st.title("Draw a digit")
st.caption("The network sees your drawing the way MNIST digits were made: ink fitted into a 20×20 box and "
           "centred by its centre of mass in 28×28. Each step is shown below the result.")
draw_tab, upload_tab = st.tabs(["Draw", "Upload a picture"])
with draw_tab:
    draw_and_classify(model)
with upload_tab:
    upload_and_classify(model)
