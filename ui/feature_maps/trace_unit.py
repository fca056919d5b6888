"""Trace a unit: click a feature-map pixel (or pick it with sliders) and see the input pixels it depends on."""

import numpy as np
import streamlit as st

from mnist_cnn.explain.feature_maps import compute_feature_maps, list_feature_layers
from mnist_cnn.explain.receptive_field import compute_receptive_field, list_spatial_steps
from mnist_cnn.lessons.options import option_key
from mnist_cnn.plots.network import UNIT_SELECTION, make_clickable_heatmap
from mnist_cnn.plots.steps import make_receptive_field_figure
from ui.display import show_figure
from ui.lesson_link import keep_view_in_address_bar

# The traced unit's layer, channel and pixel: session keys from the lesson-link table.
ROW_KEY, COL_KEY = option_key("feature_maps", "row"), option_key("feature_maps", "col")
CLICK_KEY, CHART_KEY = "trace_last_click", "trace_chart"
OPEN_KEY = "trace_unit_open"  # set by another page (the Whole network) that opens this page to trace a unit


def apply_click(event, height: int, width: int) -> bool:
    """Move the row/column sliders to a newly clicked pixel (each click once); True when they moved."""
    points = (event or {}).get("selection", {}).get(UNIT_SELECTION) or []
    if not points:
        return False
    point = (int(points[0]["row"]), int(points[0]["column"]))
    if point != st.session_state.get(CLICK_KEY) and point[0] < height and point[1] < width:
        st.session_state[CLICK_KEY] = point
        st.session_state[ROW_KEY], st.session_state[COL_KEY] = point
        return True
    return False


@st.fragment
def show_trace_unit(model, image: np.ndarray) -> None:
    """An expander: pick a layer, channel and pixel; the input is dimmed outside that pixel's receptive field."""
    with st.expander("Trace a unit back to the input", icon=":material/my_location:",
                     expanded=bool(st.session_state.get(OPEN_KEY))):
        steps = list_spatial_steps(model)
        layers = [layer for layer in list_feature_layers(model, include_pooling=True)
                  if layer.name in {step.name for step in steps}]
        if not layers:
            st.info("This model has no convolution or pooling layers to trace.")
            return
        by_name = {layer.name: layer for layer in layers}
        columns = st.columns(2)
        layer = by_name[columns[0].selectbox("Layer", list(by_name), index=len(by_name) - 1,
                                             key=option_key("feature_maps", "trace_layer"),
                                             format_func=lambda name: by_name[name].description)]
        height, width, channels = layer.output_shape
        channel = columns[1].number_input(f"Channel (0–{channels - 1})", 0, channels - 1, step=1,
                                          key=option_key("feature_maps", "trace_channel", trace_layer=layer.name))
        feature_map = compute_feature_maps(model, image, [layer.output_layer])[layer.output_layer][:, :, channel]
        for key, size in ((ROW_KEY, height), (COL_KEY, width)):  # keep the pixel inside this layer
            st.session_state[key] = min(int(st.session_state.get(key, size // 2)), size - 1)
        chart_column, picture_column = st.columns([1, 1.4])
        with chart_column:
            chart = make_clickable_heatmap(feature_map, f"{layer.name}, channel {channel}: click a pixel",
                                           st.session_state[ROW_KEY], st.session_state[COL_KEY])
            event = st.altair_chart(chart, on_select="rerun", selection_mode=UNIT_SELECTION, key=CHART_KEY,
                                    width="content")
            if apply_click(event, height, width):
                st.rerun(scope="fragment")  # redraw the chart with the clicked pixel outlined
            row = st.slider("Row", 0, height - 1, key=ROW_KEY)
            col = st.slider("Column", 0, width - 1, key=COL_KEY)
        field = compute_receptive_field(steps, layer.name, row, col)
        with picture_column:
            show_figure(make_receptive_field_figure(image, field, feature_map, (row, col),
                                                    f"{layer.name}, channel {channel}: pixel ({row}, {col})"))
        st.caption(f"**Receptive field of {layer.name} ({row}, {col}):** input rows {field.top}–{field.bottom}, "
                   f"columns {field.left}–{field.right} ({field.height}×{field.width} pixels; "
                   f"{field.full_size[0]}×{field.full_size[1]} counting the zero padding). Each 3×3 convolution "
                   f"widens the field by 2 pixels times the stride so far; pooling and strided convolutions "
                   f"multiply the stride, so deeper units see more of the digit.")
    keep_view_in_address_bar()  # a change made in this fragment reaches the URL at once
