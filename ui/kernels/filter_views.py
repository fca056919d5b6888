"""The Kernels page's "what it looks for": strongest test digits and optimised inputs of a filter, and of each class."""

import numpy as np
import streamlit as st

from mnist_cnn.explain.feature_maps import list_feature_layers
from mnist_cnn.explain.filter_search import ASCENT_STEPS, maximise_activation, scan_channel_responses
from mnist_cnn.explain.receptive_field import compute_receptive_field, list_spatial_steps
from mnist_cnn.inputs.images import enlarge_pixels
from mnist_cnn.lessons.options import option_key
from mnist_cnn.plots.explorer import make_digit_grid_figure
from mnist_cnn.plots.network import make_outlined_digits_figure
from ui.display import show_figure
from ui.lesson_link import keep_view_in_address_bar
from ui.state import file_hash, load_model_cached, load_test_set_cached

# How many test digits are scanned for a filter's strongest responses, and how many of them are shown.
SCANNED_DIGITS = 3000
TOP_COUNT = 12


@st.cache_data(max_entries=8, show_spinner="Finding the test digits that excite this layer's filters…")
def scan_layer_cached(model_path: str, model_hash: str, stage_output: str):
    """Each channel's peak response (and its position) on the first SCANNED_DIGITS test digits, once per model."""
    x_test, _ = load_test_set_cached()
    return scan_channel_responses(load_model_cached(model_path, model_hash), stage_output, x_test[:SCANNED_DIGITS])


@st.cache_data(max_entries=64, show_spinner="Optimising an input to excite it…")
def maximise_cached(model_path: str, model_hash: str, layer_name: str | None, channels: tuple):
    """maximise_activation, once per model, layer and channels: (images, start objective, end objective)."""
    return maximise_activation(load_model_cached(model_path, model_hash), layer_name, list(channels))


def show_top_digits(model, stored, stage, channel: int) -> None:
    """The test digits whose map in this channel peaks highest, the patch each peak sees outlined."""
    x_test, _ = load_test_set_cached()
    responses = scan_layer_cached(str(stored.model_path), file_hash(stored), stage.output_layer)
    top = responses.top_digits(channel, TOP_COUNT)
    titles = [f"#{index}: {responses.peaks[index, channel]:.2f}" for index in top]
    steps = list_spatial_steps(model)
    fields = [compute_receptive_field(steps, stage.name, *map(int, responses.positions[index, channel]))
              for index in top]
    show_figure(make_outlined_digits_figure(x_test[top], titles, fields, columns=TOP_COUNT // 2),
                alt=f"The {TOP_COUNT} test digits where channel {channel} responds most, the patch it sees boxed")
    st.caption(f"Of the first {SCANNED_DIGITS:,} test digits, the {TOP_COUNT} where channel {channel} of "
               f"{stage.name} responds most (its peak value in the title). The orange box is the patch that "
               f"peak sees (its receptive field): the pattern the filter found there.")


def stretch_contrast(image: np.ndarray) -> np.ndarray:
    """An image scaled so that its darkest pixel is 0 and its brightest 1 (for display only)."""
    low, high = float(image.min()), float(image.max())
    return (image - low) / (high - low) if high > low else np.zeros_like(image)


def show_optimised_input(model, stored, stage, channel: int) -> None:
    """An input made by gradient ascent to excite this channel's centre unit, and the patch that unit sees."""
    images, start, end = maximise_cached(str(stored.model_path), file_hash(stored), stage.name, (channel,))
    height, width = stage.output_shape[:2]
    field = compute_receptive_field(list_spatial_steps(model), stage.name, height // 2, width // 2)
    patch = stretch_contrast(images[0][field.top:field.bottom + 1, field.left:field.right + 1])
    columns = st.columns([1, 1, 2.5])
    columns[0].image(enlarge_pixels(images[0], 6), width=168, caption=f"optimised for channel {channel}",
                     alt=f"The image that excites channel {channel} most")
    columns[1].image(enlarge_pixels(patch, max(1, 168 // max(patch.shape))), width=168,
                     caption=f"the {field.height}×{field.width} patch its centre unit sees, contrast stretched",
                     alt="The patch of that image its centre unit sees")
    columns[2].caption(f"Start: a dark grey image with faint noise. Then {ASCENT_STEPS} steps, each changing the "
                       f"image in the direction that raises the filter's response at the map's centre (before "
                       f"its ReLU): {start[0]:.2f} → {end[0]:.2f}. A slight pull back towards grey, a blur every few "
                       f"steps and a random one-pixel shift keep it to smooth strokes the eye can read instead "
                       f"of pixel noise.")


def show_class_images(stored) -> None:
    """What each digit looks like to the network: ten inputs optimised for the ten logits."""
    if not st.toggle("Show what each digit looks like to the network", key=option_key("kernels", "classes"),
                     help="Optimises ten inputs, one per digit (a few seconds, once per model)."):
        return
    images, start, end = maximise_cached(str(stored.model_path), file_hash(stored), None, tuple(range(10)))
    titles = [f"{digit}: {end[digit]:.0f}" for digit in range(10)]
    show_figure(make_digit_grid_figure(images, titles, ["#333333"] * 10, columns=10),
                alt="For each digit 0 to 9, the image the network scores highest as that digit: " + ", ".join(titles))
    st.caption("Each image starts grey and is changed until the network's score (logit) for its digit is as high "
               "as it gets (the score is in the title). The network has no notion of a 'typical' digit: what "
               "it keeps are the strokes that push its score up.")


@st.fragment
def show_filter_views(stored, model, layer_name: str) -> None:
    """For the chosen conv layer: a channel picker, its strongest test digits and its optimised input."""
    st.subheader("What a filter looks for", divider="gray")
    stages = {stage.name: stage for stage in list_feature_layers(model)}
    stage = stages.get(layer_name)
    if stage is None:
        st.info(f"{layer_name} is not a convolution stage of this model.")
        return
    channels = stage.output_shape[-1]
    channel = st.number_input(f"Filter (output channel 0–{channels - 1})", 0, channels - 1, step=1,
                              key=option_key("kernels", "filter", layer=layer_name))
    show_top_digits(model, stored, stage, int(channel))
    show_optimised_input(model, stored, stage, int(channel))
    st.subheader("What each digit looks like to the network", divider="gray")
    show_class_images(stored)
    keep_view_in_address_bar()  # a change made in this fragment reaches the URL at once
