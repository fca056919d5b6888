"""Build a network page: a layer table with live shapes, parameters and FLOPs, checked, and sent off to be trained."""

import streamlit as st

from mnist_cnn import config
from mnist_cnn.model.layer_spec import measure_spec
from ui.build.layer_table import show_layer_editor, show_start_picker
from ui.build.measurements import show_measurements, show_train_it


@st.fragment
def show_builder() -> None:
    """The starting point, the editable layer table, its measurements and Train it; an edit reruns only this."""
    show_start_picker()
    spec, problem = show_layer_editor()
    measurement = measure_spec(spec) if spec is not None else None
    st.subheader("What each layer makes")
    if measurement is None:
        st.error(problem)
    else:
        show_measurements(measurement, len(spec))
    show_train_it(spec, measurement)


st.title("Build a network")
st.caption("Stack conv, pooling, batch norm, dropout, flatten and dense layers; each row's output shape, parameters "
           "and arithmetic update as you edit. Add a row with the + under the table, delete one by ticking it; "
           "empty cells take a default. The output layer, dense 10 with softmax, is always added at the end.")
st.caption(f"Limits on this server: {config.MAX_BUILT_LAYERS} layers, {config.MAX_BUILT_PARAMETERS:,} parameters, "
           f"{config.MAX_BUILT_FLOPS / 1e6:.0f}M FLOPs per image, {config.MAX_BUILT_ACTIVATION:,} numbers in one "
           "layer's output; no map may shrink below 1×1.")
show_builder()
