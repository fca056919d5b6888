"""The Whole network page's glue: the forward pass cached per model and picture, clicks, and tracing a unit."""

from pathlib import Path

import numpy as np
import streamlit as st

from mnist_cnn.explain.network_flow import FlowStage, compute_network_flow
from mnist_cnn.explain.receptive_field import list_spatial_steps
from mnist_cnn.lessons.options import option_key
from mnist_cnn.plots.network_flow import MAP_SELECTION
from ui.digit_source import MY_DRAWING, TEST_DIGIT
from ui.feature_maps.trace_unit import OPEN_KEY
from ui.state import load_model_cached, save_widget

# The picked map's session keys (from the lesson-link table), the last click taken, and the Feature maps page.
LAYER_KEY, SOURCE_KEY, INDEX_KEY = option_key("network", "layer"), option_key("network", "input"), "network_test_index"
CLICK_KEY = "network_last_click"
FEATURE_MAPS_PAGE = Path(__file__).resolve().parent.parent.parent / "pages" / "feature_maps.py"


@st.cache_data(max_entries=32, show_spinner="Running the picture through every layer…")
def compute_flow_cached(model_path: str, model_hash: str, image: np.ndarray) -> list[FlowStage]:
    """Every stage's values for one picture, computed once per (model file content, picture)."""
    return compute_network_flow(load_model_cached(model_path, model_hash), image)


def channel_key(layer: str) -> str:
    """The session key of the picked channel of `layer`."""
    return option_key("network", "channel", layer=layer)


def read_picked(stages: list[FlowStage]) -> tuple[FlowStage, int] | None:
    """The picked (stage, channel), when the session holds one that this network has; else None."""
    name = st.session_state.get(LAYER_KEY)
    by_name = {stage.name: stage for stage in stages if stage.kind in ("conv", "pool")}
    if name not in by_name:
        return None
    channel = st.session_state.get(channel_key(name))
    channels = by_name[name].values.shape[-1]
    if not isinstance(channel, (int, np.integer)) or not 0 <= channel < channels:
        return None
    return by_name[name], int(channel)


def apply_click(event) -> bool:
    """Take a newly clicked thumbnail (each click once) as the picked map; True when the pick changed."""
    points = (event or {}).get("selection", {}).get(MAP_SELECTION) or []
    if not points or "layer" not in points[0] or "channel" not in points[0]:
        return False
    click = (str(points[0]["layer"]), int(points[0]["channel"]))
    if click == st.session_state.get(CLICK_KEY):
        return False
    st.session_state[CLICK_KEY] = click
    st.session_state[LAYER_KEY], st.session_state[channel_key(click[0])] = click
    return True


def can_trace(model, layer: str) -> bool:
    """True when the layer's units can be traced back to the input (a conv or pooling layer before the dense ones)."""
    return layer in {step.name for step in list_spatial_steps(model)}


def open_trace_on_feature_maps(layer: str, channel: int) -> None:
    """Open the Feature maps page on the same picture with its "Trace a unit" view at this layer and channel."""
    source = st.session_state.get(SOURCE_KEY, TEST_DIGIT)
    values = {option_key("feature_maps", "input"): source if source in (MY_DRAWING, TEST_DIGIT) else TEST_DIGIT,
              "feature_maps_test_index": int(st.session_state.get(INDEX_KEY, 0)),
              option_key("feature_maps", "trace_layer"): layer,
              option_key("feature_maps", "trace_channel", trace_layer=layer): int(channel)}
    for key, value in values.items():
        st.session_state[key] = value
        save_widget(key)  # the Feature maps page restores its widgets from these
    st.session_state[OPEN_KEY] = True
    st.switch_page(FEATURE_MAPS_PAGE)
