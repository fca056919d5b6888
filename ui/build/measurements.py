"""The Build page's live measurements (shapes, parameters, FLOPs against the limits) and its "Train it" button."""

import pandas as pd
import streamlit as st

from mnist_cnn import config
from mnist_cnn.model.built_network import BUILT_ARCHITECTURE
from mnist_cnn.model.layer_spec import SpecMeasurement, check_rows, summarise_spec
from mnist_cnn.safety.text import escape_markdown


def show_totals(measurement: SpecMeasurement, layer_count: int) -> None:
    """Parameters, FLOPs and layers, each beside its limit."""
    columns = st.columns(3)
    columns[0].metric("Parameters", f"{measurement.parameters:,}",
                      help=f"Weights, biases and batch-norm statistics; the limit is {config.MAX_BUILT_PARAMETERS:,}.")
    columns[1].metric("FLOPs per image", f"{measurement.flops / 1e6:.1f}M",
                      help=f"{measurement.flops:,} floating-point operations (a multiply-add counts two); the limit "
                           f"is {config.MAX_BUILT_FLOPS / 1e6:.0f}M.")
    columns[2].metric("Layers", f"{layer_count} + output",
                      help=f"At most {config.MAX_BUILT_LAYERS}; the output layer (dense 10, softmax) is added.")


def show_measurements(measurement: SpecMeasurement, layer_count: int) -> None:
    """Each layer's output shape, parameters and FLOPs (those measured before a problem), then the problem."""
    show_totals(measurement, layer_count)
    st.dataframe(pd.DataFrame(measurement.rows, columns=["layer", "kind", "settings", "output shape", "parameters",
                                                         "FLOPs"]),
                 hide_index=True, width="stretch",
                 column_config={"parameters": st.column_config.NumberColumn(format="localized"),
                                "FLOPs": st.column_config.NumberColumn(format="localized")})
    st.caption("Input: one 28×28×1 image. Output shapes leave out the batch axis; a conv's FLOPs are "
               "2 × output positions × filters × kernel area × input channels.")
    if measurement.problem:
        st.error(escape_markdown(measurement.problem))


def send_to_retrain(spec: list[dict]) -> None:
    """Button callback: make the layer list the Retrain panel's "built" architecture, and choose it there."""
    st.session_state["built_spec"] = check_rows(spec)
    st.session_state["retrain_architecture"] = BUILT_ARCHITECTURE


def show_train_it(spec: list[dict] | None, measurement: SpecMeasurement | None) -> None:
    """"Train it": enabled for an acceptable layer list; says where the network went."""
    ready = spec is not None and measurement is not None and measurement.problem is None
    if st.button("Train it", type="primary", icon=":material/model_training:", disabled=not ready,
                 key="build_train_it", on_click=send_to_retrain, args=(spec,),
                 help="Send this network to the Retrain panel in the sidebar, as the architecture 'built'."):
        st.rerun(scope="app")  # the sidebar's panel, outside this fragment, shows it
    sent = st.session_state.get("built_spec")
    if ready and sent == check_rows(spec):
        st.success(f"Sent to the **Retrain** panel in the sidebar as the architecture `{BUILT_ARCHITECTURE}`: open "
                   "it, choose epochs and images, and press Start training. The trained model keeps this layer "
                   "list, so every page can look inside it and it can be trained again.")
    elif sent:
        st.caption(f"The Retrain panel holds an earlier version: {summarise_spec(sent)}. Press Train it to "
                   "send this one.")
