"""Architecture page: the active model's layers and parameters, the maths of each layer, and taking it home."""

import pandas as pd
import streamlit as st

from mnist_cnn.model.architectures import ARCHITECTURES
from mnist_cnn.model.network_maths import count_parameters, describe_layers, match_topics
from mnist_cnn.plots.network import make_parameter_chart
from ui.state import require_model
from ui.take_home import show_take_home


@st.cache_data(max_entries=8, show_spinner=False)
def describe_layers_cached(model_path: str, modified_ns: int, _model) -> list[dict]:
    """describe_layers, computed once per model file."""
    return describe_layers(_model)


def show_layer_table(model, rows: list[dict]) -> None:
    """Parameter totals, the layer table and a bar chart of parameters per layer."""
    counts = count_parameters(model)
    columns = st.columns(3)
    columns[0].metric("Parameters", f"{counts['total']:,}")
    columns[1].metric("Trainable", f"{counts['trainable']:,}")
    columns[2].metric("Non-trainable", f"{counts['non-trainable']:,}",
                      help="Batch-norm moving means and variances: updated during training, not by the gradient.")
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", height=35 * (len(rows) + 1) + 3,
                 column_config={"parameters": st.column_config.NumberColumn(format="localized"),
                                "trainable parameters": st.column_config.NumberColumn(format="localized")})
    st.caption("Input: one 28×28 grey image (28×28×1), floats in [0, 1]. Output shapes leave out the batch axis.")
    chart = make_parameter_chart(rows)
    st.altair_chart(chart, width="stretch", height=chart.height + 60)


def show_maths(model, metadata: dict) -> None:
    """Each formula with a short explanation and the layers of this model where it is computed."""
    learning_rate = (metadata.get("hyperparameters") or {}).get("learning_rate")
    columns = st.columns(2)
    for number, (topic, layers) in enumerate(match_topics(model)):
        with columns[number % 2].container(border=True):
            st.markdown(f"**{topic.title}**")
            for formula in topic.formulas:
                st.latex(formula)
            st.markdown(topic.explanation)
            where = ", ".join(f"`{layer}`" for layer in layers) if layers else topic.explain_absence(model)
            if topic.title.startswith("Adam") and learning_rate is not None:
                where += f"; this model was trained with learning rate η = {learning_rate:g}"
            st.markdown(f"**In this model:** {where}")


stored, model = require_model()
architecture = stored.metadata.get("architecture", "?")
st.title("Architecture")
description = ARCHITECTURES[architecture].description if architecture in ARCHITECTURES else ""
if stored.metadata.get("architecture_spec"):
    description = "built on the Build page (Start from: the active model loads its layers there)."
st.caption(f"Model **{stored.name}** · architecture `{architecture}` · {description}")
modified_ns = stored.model_path.stat().st_mtime_ns
show_layer_table(model, describe_layers_cached(str(stored.model_path), modified_ns, model))
st.header("The maths, layer by layer")
st.caption("What each kind of layer computes, and where this model uses it. The loss and the optimiser act on "
           "the whole model during training.")
show_maths(model, stored.metadata)
st.header("Take it home")
show_take_home(stored)
