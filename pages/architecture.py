"""Architecture page (placeholder until the look-inside issue): the active model's layers."""

import streamlit as st

from ui.state import require_model

stored, model = require_model()
st.title("Architecture")
rows = [{"layer": layer.name, "type": type(layer).__name__, "parameters": layer.count_params()}
        for layer in model.layers]
st.dataframe(rows, hide_index=True)
