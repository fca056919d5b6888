"""The Draw page's "How it decided": a saliency overlay (Grad-CAM or input gradients) and the preprocessing steps."""

import hashlib

import streamlit as st

from mnist_cnn.lessons.options import make_draw_options
from mnist_cnn.plots.drawing import encode_png, make_saliency_overlay, make_step_gallery


def make_gradcam(model, model_input, digit: int):
    """inference.make_gradcam_heatmap, imported when first used (TensorFlow: not before the page shows)."""
    from mnist_cnn.model.inference import make_gradcam_heatmap

    return make_gradcam_heatmap(model, model_input, digit)


def make_input_gradients(model, model_input, digit: int):
    """inference.make_gradient_heatmap, imported when first used (TensorFlow: not before the page shows)."""
    from mnist_cnn.model.inference import make_gradient_heatmap

    return make_gradient_heatmap(model, model_input, digit)


# Saliency methods the user can pick from: label -> heatmap function.
SALIENCY_METHODS = {"Grad-CAM": make_gradcam, "Input gradients": make_input_gradients}
SALIENCY_CAPTIONS = {
    "Grad-CAM": "Bright yellow and orange mark the regions whose features in the last convolution layer raised "
                "the score of the predicted digit most; dark and uncoloured regions mattered little.",
    "Input gradients": "Bright yellow and orange mark the pixels where a small change of ink would change the score "
                       "of the predicted digit most.",
}



def make_detail_images(model, model_input, steps, digit: int, method: str) -> tuple[bytes, list]:
    """(saliency overlay PNG, [(caption, step PNG)]) for one drawing: the costly part, done once per drawing."""
    heatmap = SALIENCY_METHODS[method](model, model_input, digit)  # (28, 28)
    overlay = encode_png(make_saliency_overlay(model_input, heatmap))
    return overlay, [(caption, encode_png(image)) for caption, image in make_step_gallery(steps)]


def detail_images(model, model_input, steps, digit: int, method: str, source: str) -> tuple[bytes, list]:
    """make_detail_images, remembered for the session's last drawing (reruns with it compute nothing)."""
    key = (id(model), hashlib.sha1(model_input.tobytes()).hexdigest(), digit, method)
    remembered = st.session_state.get(f"draw_details_{source}")
    if remembered is None or remembered[0] != key:
        remembered = (key, make_detail_images(model, model_input, steps, digit, method))
        st.session_state[f"draw_details_{source}"] = remembered
    return remembered[1]


def show_details(model, model_input, steps, digit: int, source: str) -> None:
    """The saliency overlay with its method picker, and the preprocessing steps as small images."""
    saliency, explanation = st.columns([2, 3])
    with explanation:
        method = st.segmented_control("Saliency", list(SALIENCY_METHODS), default="Grad-CAM",
                                      key=make_draw_options(source)["saliency"].key, required=True) or "Grad-CAM"
        st.caption(SALIENCY_CAPTIONS[method])
    overlay, gallery = detail_images(model, model_input, steps, digit, method, source)
    saliency.image(overlay, width=224, caption=f"What made the network say {digit}",
                   alt=f"Your drawing with a heatmap over it: bright where it made the network say {digit}")
    st.markdown("**How the drawing became a 28×28 MNIST-style input**")
    for column, (caption, image) in zip(st.columns(len(gallery)), gallery):
        column.image(image, caption=caption, width="stretch", alt=f"The drawing after the step: {caption}")
