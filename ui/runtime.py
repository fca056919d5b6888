"""Process-wide settings of the Streamlit server that keep a stroke's prediction quick and whole; applied once."""

import gc
import sys
from pathlib import Path

from ui.patches import (VERIFIED_STREAMLIT_VERSIONS, apply_patches, is_verified_version,
                        leave_pages_directory_mode)

APP_SCRIPT = Path(__file__).resolve().parent.parent / "app.py"  # the entry point, whose run calls st.navigation


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


def is_app_script_running() -> bool:
    """Whether app.py is on the call stack (its run calls st.navigation itself, so it needs no rerun)."""
    frame = sys._getframe(1)
    while frame is not None:
        if Path(frame.f_code.co_filename).resolve() == APP_SCRIPT:
            return True
        frame = frame.f_back
    return False


def enter_through_app() -> None:
    """In a server whose first request named a page (/feature_maps?...), rerun that request through app.py.

    Patch 3 of ui/patches.py; called on the first import of the `ui` package, which every page imports. A first
    request for the root URL runs app.py already: it leaves the old mode without a rerun (a wasted first run)."""
    if not is_streamlit_server() or not is_verified_version("streamlit", VERIFIED_STREAMLIT_VERSIONS):
        return
    from streamlit.runtime.pages_manager import PagesManager

    if leave_pages_directory_mode(PagesManager) and not is_app_script_running():
        import streamlit as st

        st.rerun()
