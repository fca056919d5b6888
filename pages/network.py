"""Whole network: a picture's path through every layer at once, from the input to the ten probabilities."""

import numpy as np
import streamlit as st

from mnist_cnn.plots.network import make_channel_heatmap
from mnist_cnn.plots.network_flow import MAP_SELECTION, make_network_chart
from ui.digit_source import choose_digit
from ui.lesson_link import keep_view_in_address_bar
from ui.network.flow import apply_click, can_trace, compute_flow_cached, open_trace_on_feature_maps, read_picked
from ui.state import file_hash, require_model

CHART_KEY = "network_chart"


def show_picked_map(model, picked) -> None:
    """The clicked map, large, with each pixel's value on hover, and the way to trace one of its units."""
    if picked is None:
        st.info("Click any feature map in the picture to open it here.", icon=":material/touch_app:")
        return
    stage, channel = picked
    layer_maps = stage.values  # (height, width, channels)
    height, width, _ = layer_maps.shape
    st.altair_chart(make_channel_heatmap(layer_maps[:, :, channel], f"{stage.name}, channel {channel}",
                                         float(layer_maps.min()), float(layer_maps.max()), size=260),
                    width="content")
    strongest = np.unravel_index(int(np.argmax(layer_maps[:, :, channel])), (height, width))
    st.caption(f"{stage.description}. Bright = this filter found its pattern there; the colour scale is shared by "
               f"the whole layer. Its strongest unit is at row {strongest[0]}, column {strongest[1]}.")
    if can_trace(model, stage.name):
        if st.button("Trace a unit of this map", icon=":material/my_location:", key="network_trace",
                     help="Opens the Feature maps page on this picture, with this layer and channel in its "
                          "“Trace a unit back to the input” view: click a pixel to see the input it depends on."):
            open_trace_on_feature_maps(stage.name, channel)
    else:
        st.caption("This layer comes after the network's first dense layer: its units see the whole input.")


@st.fragment
def show_flow(model, stages) -> None:
    """The whole-network picture (click a map) beside the picked map, large."""
    picture, detail = st.columns([3, 1.4])
    picked = read_picked(stages)
    with picture:
        chart = make_network_chart(stages, None if picked is None else (picked[0].name, picked[1]))
        event = st.altair_chart(chart, on_select="rerun", selection_mode=MAP_SELECTION, key=CHART_KEY,
                                width="content")
        if apply_click(event):
            st.rerun(scope="fragment")  # redraw with the clicked map outlined and opened
    with detail:
        show_picked_map(model, picked)
    keep_view_in_address_bar()  # a click made in this fragment reaches the URL at once


stored, model = require_model()
st.title("Whole network")
st.caption("Every layer at once, top to bottom: the input, each convolution and pooling layer's feature maps as "
           "small pictures (one per channel), the dense layers' units and the ten probabilities. Each arrow is one "
           "layer's output becoming the next one's input. Hover a picture for its values; click one to open it.")
image, true_label, caption = choose_digit("network")
stages = compute_flow_cached(str(stored.model_path), file_hash(stored), image)
probabilities = stages[-1].values
answer = int(np.argmax(probabilities))
verdict = "" if true_label is None else (" (right)" if answer == true_label else f" (wrong: it is a {true_label})")
st.markdown(f"**Input:** {caption} · **the network says {answer}** with {probabilities[answer]:.1%}{verdict}")
show_flow(model, stages)
