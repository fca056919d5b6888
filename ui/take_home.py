"""Take the active model home: TFLite and ONNX files made on request, and its Keras script and notebook."""

import json

import streamlit as st

from mnist_cnn.export import MODEL_FORMATS, ExportError, convert_model, read_recipe, write_notebook, write_script
from mnist_cnn.safety.text import escape_markdown
from mnist_cnn.store.model_store import StoredModel
from ui.state import file_hash, load_model_cached

# The converted formats, as the buttons name them.
FORMAT_TITLES = {"tflite": "TensorFlow Lite", "onnx": "ONNX"}


@st.cache_data(max_entries=8, show_spinner=False)
def convert_cached(model_path: str, model_hash: str, format_name: str) -> bytes:
    """A model file converted to a format, once per file content and format (ExportError is not cached)."""
    return convert_model(load_model_cached(model_path, model_hash), format_name)


@st.cache_data(max_entries=8, show_spinner=False)
def write_code_cached(model_path: str, model_hash: str, name: str, metadata_json: str) -> tuple[str, str]:
    """(script, notebook) that rebuild and retrain a stored model, once per model file and metadata."""
    recipe = read_recipe(name, json.loads(metadata_json), load_model_cached(model_path, model_hash))
    return write_script(recipe), write_notebook(recipe)


def show_converted_download(stored: StoredModel, model_hash: str, format_name: str) -> None:
    """A Convert button; once converted (in this session, for this model), its download button."""
    suffix, mime, _ = MODEL_FORMATS[format_name]
    title, ready = FORMAT_TITLES[format_name], st.session_state.setdefault("take_home_ready", set())
    if (model_hash, format_name) not in ready:
        if not st.button(f"Make the {title} file", key=f"take_home_convert_{format_name}", width="stretch",
                         icon=":material/build:"):
            return
        try:
            with st.spinner(f"Converting to {title}…"):
                convert_cached(str(stored.model_path), model_hash, format_name)
        except ExportError as error:
            st.error(escape_markdown(error))
            return
        ready.add((model_hash, format_name))
    st.download_button(f"{title} ({suffix})", convert_cached(str(stored.model_path), model_hash, format_name),
                       file_name=f"{stored.name}{suffix}", mime=mime, key=f"take_home_download_{format_name}",
                       icon=":material/download:", width="stretch", on_click="ignore")


def show_code_downloads(stored: StoredModel, model_hash: str) -> None:
    """The Keras script and the notebook, or why this model's code cannot be written."""
    try:
        script, notebook = write_code_cached(str(stored.model_path), model_hash, stored.name,
                                             json.dumps(stored.metadata, sort_keys=True))
    except ValueError as error:
        st.warning(f"This model's code cannot be written: {escape_markdown(error)}")
        return
    columns = st.columns(2)
    columns[0].download_button("Keras script (.py)", script, file_name=f"train_{stored.name}.py",
                               mime="text/x-python", key="take_home_script", icon=":material/code:",
                               width="stretch", on_click="ignore")
    columns[1].download_button("Jupyter notebook (.ipynb)", notebook, file_name=f"{stored.name}.ipynb",
                               mime="application/x-ipynb+json", key="take_home_notebook", icon=":material/book:",
                               width="stretch", on_click="ignore")
    with st.expander("Show me the code"):
        st.code(script, language="python")


@st.fragment
def show_take_home(stored: StoredModel) -> None:
    """The active model as TFLite and ONNX files (made when asked), and the code that rebuilds and retrains it."""
    model_hash = file_hash(stored)
    st.caption("Run the network elsewhere: TensorFlow Lite for phones and microcontrollers, ONNX for ONNX Runtime and "
               "most other frameworks. Each file takes the input 'image' as (batch, 28, 28, 1) floats in [0, 1] and "
               "gives the 10 probabilities; it is made when you ask, once per model.")
    columns = st.columns(len(FORMAT_TITLES))
    for column, format_name in zip(columns, FORMAT_TITLES):
        with column:
            show_converted_download(stored, model_hash, format_name)
    st.caption("Or train it yourself: a Keras script and a notebook that rebuild this network and train it with its "
               "recorded settings (epochs, batch size, learning rate and schedule, augmentation, seed) on "
               "data/mnist.npz.")
    show_code_downloads(stored, model_hash)
