"""The sidebar shown on every page: the active model, its test accuracy, and problems in the store."""

import streamlit as st

from mnist_cnn.database import database_location
from mnist_cnn.safety.text import as_code_span, escape_markdown
from mnist_cnn.store.list_version import read_list_version
from mnist_cnn.store.restore import describe_empty_store
from ui.collections import show_collection_picker
from ui.network_ready import is_network_ready, show_warming_up
from ui.state import get_store, init_session_state, keep_active_model_among
from ui.teacher import show_teacher_unlock

# With replicas (a shared database), how often a session checks whether another replica saved or deleted a model.
MODEL_LIST_POLL_SECONDS = 5


def describe_model(stored) -> str:
    """A short label for a model: name, architecture and accuracy."""
    accuracy = stored.metadata.get("test_accuracy")
    accuracy_text = f"{accuracy:.2%}" if isinstance(accuracy, (int, float)) else "?"
    suffix = " (bundled)" if stored.is_default else ""
    return f"{stored.name}{suffix} · {accuracy_text}"


def show_model_picker() -> None:
    """A selectbox over the stored models, bound to the session's active model."""
    init_session_state()
    st.session_state["model_list_version"] = read_list_version()  # what this run lists
    models, problems = get_store().scan()
    with st.sidebar:
        st.subheader("Active model")
        if not models:
            st.error(describe_empty_store(get_store().directory))
        else:
            names = [stored.name for stored in models]
            keep_active_model_among(names)
            by_name = {stored.name: stored for stored in models}
            st.selectbox("Model", names, key="active_model_name",
                         format_func=lambda name: describe_model(by_name[name]),
                         help="Every page uses this model. Train more from the Retrain panel.")
            active = by_name[st.session_state["active_model_name"]]
            meta = active.metadata
            accuracy = meta.get("test_accuracy")
            columns = st.columns(2)
            columns[0].metric("Test accuracy", f"{accuracy:.2%}" if accuracy is not None else "?")
            count = int(meta.get("parameter_count", 0))
            columns[1].metric("Parameters", f"{count / 1000:.0f}K" if count >= 10_000 else f"{count:,}",
                              help=f"{count:,} parameters")
            st.caption(f"Architecture: {as_code_span(meta.get('architecture', '?'))}")
            if meta.get("collection"):
                st.caption(f"Fine-tuned for the collection **{escape_markdown(meta['collection'])}**")
        for problem in problems:
            st.warning(f"Skipped model file {as_code_span(problem.name)}: {escape_markdown(problem.message)}")


@st.fragment(run_every=MODEL_LIST_POLL_SECONDS)
def refresh_when_models_change() -> None:
    """Rerun the app when any replica saved or deleted a model since this session's last run (shows nothing)."""
    version = read_list_version()
    if version is not None and version != st.session_state.get("model_list_version"):
        st.rerun(scope="app")


def show_sidebar() -> None:
    """Everything the sidebar shows on every page."""
    show_model_picker()
    if database_location():  # replicas: a model saved on another one appears within seconds
        refresh_when_models_change()
    show_collection_picker()
    show_teacher_unlock()
    if is_network_ready():
        from ui.retrain import show_retrain_panel  # TensorFlow (the architectures): not before it is warm

        show_retrain_panel()
    else:
        with st.sidebar:
            show_warming_up("Retraining opens in a moment.")
