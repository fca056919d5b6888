"""Take a model home, bring your own (Training page): download any stored model, upload a Keras model."""

import streamlit as st

from mnist_cnn import config
from mnist_cnn.data.mnist import DataError
from mnist_cnn.safety.text import as_code_span, escape_markdown
from mnist_cnn.store.exchange import MAX_MODEL_BYTES, describe_uploads_off, export_model_zip, import_model
from mnist_cnn.store.model_store import ModelStoreError
from ui.lesson_link import LESSON_KEY
from ui.state import file_hash, get_store, load_test_set_cached

UPLOAD_KEY, NOTICE_KEY = "exchange_upload", "exchange_notice"


@st.cache_data(max_entries=4, show_spinner=False)
def export_cached(name: str, model_hash: str) -> bytes:
    """The download zip of a stored model, built once per file content."""
    return export_model_zip(get_store().get(name))


def add_uploaded_model() -> None:
    """Button callback: check the uploaded model, store it and make it the session's active model."""
    upload = st.session_state.get(UPLOAD_KEY)
    if upload is None:
        st.session_state[NOTICE_KEY] = ("error", "Choose a .keras file first.")
        return
    refused = f"{as_code_span(upload.name)} was not added."
    try:
        x_test, y_test = load_test_set_cached()
        with st.spinner("Checking the model and measuring it on the 10,000 test digits…"):
            stored = import_model(get_store(), upload.getvalue(), upload.name, x_test, y_test)
    except (ValueError, ModelStoreError, DataError, OSError) as error:  # ValueError: refused, busy or store full
        st.session_state[NOTICE_KEY] = ("error", f"{refused} {escape_markdown(error)}")
        return
    except Exception as error:  # never a traceback for a visitor's file
        st.session_state[NOTICE_KEY] = ("error", f"{refused} Something unexpected went wrong while checking it "
                                                 f"({escape_markdown(type(error).__name__)}).")
        return
    st.session_state["active_model_name"] = stored.name
    st.session_state[NOTICE_KEY] = ("success", f"Added {as_code_span(stored.name)} (test accuracy "
                                               f"{stored.test_accuracy:.2%}); every page now uses it.")


def show_model_exchange(models) -> None:
    """A download button for any stored model and an uploader that adds a checked model to the store."""
    st.subheader("Take a model home, bring your own")
    download, upload = st.columns(2)
    with download:
        names = [stored.name for stored in models]
        name = st.selectbox("Model to download", names, key="exchange_download_choice")
        stored = next(item for item in models if item.name == name)
        st.download_button("Download .keras + metadata (zip)", export_cached(name, file_hash(stored)),
                           file_name=f"{name}.zip", mime="application/zip", icon=":material/download:")
        st.caption("Load it anywhere with `keras.saving.load_model('NAME.keras')`; the JSON holds how it was "
                   "trained and its test accuracy.")
    with upload:
        if st.session_state.get(LESSON_KEY):
            st.caption("Uploading a model is off in lesson mode (leave it in the sidebar).")
            return
        uploads_off = describe_uploads_off()
        if uploads_off:
            st.caption(uploads_off)
            return
        st.file_uploader("A Keras model (.keras, or a zip downloaded here)", type=["keras", "zip"], key=UPLOAD_KEY,
                         max_upload_size=max(1, MAX_MODEL_BYTES // 2**20))
        st.button("Add it to the store", on_click=add_uploaded_model, icon=":material/upload:")
        st.caption("It must read a 28×28×1 image in [0, 1] and end in a 10-way softmax, as a chain of Keras' own "
                   f"layers: at most {MAX_MODEL_BYTES // 2**20} MB, {config.MAX_UPLOAD_PARAMETERS:,} parameters and "
                   f"{config.MAX_UPLOAD_FLOPS // 10**6}M FLOPs per image. It is checked in a separate process (Keras "
                   "safe mode, no custom code), tried on a blank image and measured on the test digits before it is "
                   "stored. Everyone on this server can then pick it in the sidebar.")
    notice = st.session_state.pop(NOTICE_KEY, None)
    if notice:
        (st.success if notice[0] == "success" else st.error)(notice[1])
