"""The Build page's layer table: a preset or the active model loaded into an editor, read back as a layer list."""

import pandas as pd
import streamlit as st

from mnist_cnn import config
from mnist_cnn.model.architectures import ARCHITECTURES
from mnist_cnn.model.built_network import TABLE_COLUMNS, preset_spec, read_model_spec, read_table_rows, to_table_rows
from mnist_cnn.lessons.options import page_option
from mnist_cnn.model.layer_spec import ACTIVATIONS, KIND_LABELS, PADDINGS, SpecError, check_rows
from mnist_cnn.safety.text import escape_markdown
from ui.state import active_model

# The starting points offered: the six presets, and the active model's own layers.
ACTIVE_MODEL_CHOICE = "the active model"
# The preset a fresh session's table holds: small and fast to train.
STARTING_PRESET = "keras_example"
# The session keys of the table's layer list: the one a lesson link reads and sets, and the one shown last.
SPEC_KEY = page_option("build", "layers").key
SHOWN_SPEC_KEY = "build_spec_shown"
# Columns whose cells are whole numbers (nullable: a kind that does not use one leaves it empty).
WHOLE_COLUMNS = ("filters", "kernel", "stride", "units")


@st.cache_data(show_spinner=False)
def preset_rows(name: str) -> list[dict]:
    """A preset's table rows (its network is built once per server to read them)."""
    return to_table_rows(preset_spec(name))


def table_frame(rows: list[dict]) -> pd.DataFrame:
    """Table rows as the editor's DataFrame: every column present, whole-number columns as nullable ints."""
    frame = pd.DataFrame(rows, columns=["layer", *TABLE_COLUMNS])
    return frame.astype({column: "Int64" for column in WHOLE_COLUMNS} | {"rate": "Float64"})


def init_table() -> None:
    """The session's table (the starting preset, or a link's layers) and its editor version, once per change."""
    if "build_rows" not in st.session_state:
        st.session_state["build_rows"] = preset_rows(STARTING_PRESET)
    st.session_state.setdefault("build_table_version", 0)
    st.session_state.setdefault("build_start", STARTING_PRESET)
    linked = st.session_state.get(SPEC_KEY)
    if linked is not None and linked != st.session_state.get(SHOWN_SPEC_KEY):  # a lesson link's layers arrived
        st.session_state["build_rows"] = to_table_rows(linked)
        st.session_state["build_table_version"] += 1
        st.session_state[SHOWN_SPEC_KEY] = linked


def load_start() -> None:
    """Button callback: put the chosen preset (or the active model's layers) into the table, dropping the edits."""
    choice = st.session_state["build_start"]
    try:
        if choice == ACTIVE_MODEL_CHOICE:
            stored, model = active_model()
            if model is None:
                return
            rows = to_table_rows(read_model_spec(stored.metadata, model))
        else:
            rows = preset_rows(choice)
    except SpecError as error:
        st.session_state["build_notice"] = f"The active model's layers cannot be loaded: {escape_markdown(error)}"
        return
    st.session_state["build_rows"] = rows
    st.session_state["build_table_version"] += 1  # a new editor key: the old edits do not apply to the new table
    st.session_state["build_notice"] = None


def show_start_picker() -> None:
    """Choose a starting point and load it into the table."""
    init_table()
    columns = st.columns([3, 1], vertical_alignment="bottom")
    columns[0].selectbox("Start from", [*ARCHITECTURES, ACTIVE_MODEL_CHOICE], key="build_start",
                         help="A preset network, or the layers of the model chosen in the sidebar.")
    columns[1].button("Load into the table", key="build_load", on_click=load_start, icon=":material/download:")
    if st.session_state.get("build_notice"):
        st.warning(st.session_state["build_notice"])


def column_settings() -> dict:
    """The editor's columns: a layer type, then the settings each type uses (the others stay empty)."""
    number = st.column_config.NumberColumn
    return {
        "layer": st.column_config.SelectboxColumn("layer", options=list(KIND_LABELS.values()), required=True),
        "filters": number("filters", min_value=1, max_value=config.MAX_BUILT_FILTERS, step=1,
                          help="conv: how many filters (output channels)"),
        "kernel": number("kernel", min_value=1, max_value=config.MAX_BUILT_KERNEL, step=1,
                         help="conv: the kernel's side; max pooling: the window's side (2–4)"),
        "stride": number("stride", min_value=1, max_value=config.MAX_BUILT_STRIDE, step=1, help="conv: the step"),
        "padding": st.column_config.SelectboxColumn("padding", options=list(PADDINGS),
                                                    help="conv: 'same' keeps the size, 'valid' shrinks it"),
        "units": number("units", min_value=1, max_value=config.MAX_BUILT_UNITS, step=1, help="dense: outputs"),
        "rate": number("rate", min_value=0.0, max_value=config.MAX_BUILT_DROPOUT, step=0.05,
                       help="dropout: the share of values zeroed while training"),
        "activation": st.column_config.SelectboxColumn("activation", options=list(ACTIVATIONS),
                                                       help="conv and dense; batch norm: applied after it"),
    }


def show_layer_editor() -> tuple[list | None, str | None]:
    """The editable layer table; (layer list, None), or (None, why) when a row cannot be read."""
    init_table()
    key = f"build_table_{st.session_state['build_table_version']}"
    edited = st.data_editor(table_frame(st.session_state["build_rows"]), key=key, num_rows="dynamic",
                            hide_index=True, width="stretch", column_config=column_settings())
    records = edited.astype(object).where(edited.notna(), None).to_dict("records")
    try:
        spec = read_table_rows(records)
    except SpecError as error:
        return None, escape_markdown(error)
    try:
        st.session_state[SPEC_KEY] = st.session_state[SHOWN_SPEC_KEY] = check_rows(spec)  # a link carries it
    except SpecError:
        pass  # measure_spec says what is wrong with it
    return spec, None
