"""Process-wide settings of the Streamlit server that keep a stroke's prediction quick and whole; applied once."""

import gc

from ui.patches import apply_patches


def is_streamlit_server() -> bool:
    """Whether this process is a `streamlit run` server (a test's AppTest runs app.py under a mock Runtime)."""
    from streamlit import runtime

    return runtime.exists() and type(runtime.get_instance()) is runtime.Runtime


def freeze_startup_objects() -> None:
    """Move everything imported so far out of the garbage collector's reach (it lives as long as the process).

    TensorFlow, Keras and Streamlit leave ~400,000 long-lived objects; a full collection walking them took
    ~175 ms of held interpreter lock, pausing every visitor's session.
    """
    gc.collect()
    gc.freeze()


def configure_server_process() -> None:
    """In a Streamlit server, apply ui/patches.py and freeze start-up objects, once (app.py runs on every rerun).

    A test process running app.py through AppTest is left as it is: its Keras and Streamlit behave as shipped.
    """
    # A flag, not gc.get_freeze_count(): that walks the ~400,000 frozen objects (tens of ms on every page run).
    if getattr(configure_server_process, "done", False) or not is_streamlit_server():
        return
    apply_patches()
    freeze_startup_objects()
    configure_server_process.done = True


def enter_through_app() -> None:
    """In a server whose first request named a page (/feature_maps?...), rerun that request through app.py.

    Streamlit 1.67 keeps its old pages/ directory mode until some run calls st.navigation: until then a page's URL
    runs that page file alone (no app.py: no link applied, no sidebar, a menu of file names). Called on the first
    import of the `ui` package, which every page imports; once per server process."""
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory and is_streamlit_server():
        PagesManager.uses_pages_directory = False  # app.py's st.navigation is this app's only navigation
        import streamlit as st

        st.rerun()
