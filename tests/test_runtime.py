"""Tests for the server-process settings: Streamlit's after-run clear_session keeps compiled kernels."""

import gc

import keras

from ui.runtime import configure_server_process, keep_compiled_kernels_between_runs


def test_clear_session_is_replaced_once_and_does_nothing():
    keep_compiled_kernels_between_runs()
    replacement = keras.backend.clear_session
    assert getattr(replacement, "keeps_kernels", False)
    keep_compiled_kernels_between_runs()
    assert keras.backend.clear_session is replacement  # idempotent: app.py runs on every rerun
    assert replacement() is None


def test_configure_server_process_freezes_start_up_objects_once():
    configure_server_process()
    frozen = gc.get_freeze_count()
    assert frozen > 0
    configure_server_process()
    assert gc.get_freeze_count() == frozen  # a rerun freezes nothing more (that would leak its garbage)
