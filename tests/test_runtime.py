"""Tests for ui/runtime.py: the server process is configured once; a test process running app.py is left alone."""

import gc
from pathlib import Path

import pytest
from streamlit import runtime as streamlit_runtime
from streamlit.runtime.app_session import AppSession
from streamlit.runtime.scriptrunner import script_runner

import ui.patches as patches
from ui.runtime import configure_server_process, enter_through_app, is_streamlit_server
from tests.support.streamlit_patches import restore_patched_streamlit


@pytest.fixture
def pretend_server(monkeypatch):
    """This process looks like a `streamlit run` server; patches and the gc freeze are undone afterwards."""
    restore_patched_streamlit(monkeypatch)
    monkeypatch.setattr(patches.importlib.metadata, "version", lambda package: "1.67.0")
    monkeypatch.setattr(streamlit_runtime.Runtime, "_instance", object.__new__(streamlit_runtime.Runtime))
    monkeypatch.setattr(configure_server_process, "done", False, raising=False)
    frozen_before = gc.get_freeze_count()
    yield
    if not frozen_before:
        gc.unfreeze()


def test_a_test_process_is_not_a_server_and_is_left_as_it_is():
    original_cleanup = script_runner._clean_problem_modules
    assert not is_streamlit_server()
    configure_server_process()
    assert script_runner._clean_problem_modules is original_cleanup
    assert not getattr(AppSession, "delivers_each_run_before_the_next", False)


def test_a_server_gets_the_patches_and_freezes_start_up_objects_once(pretend_server, monkeypatch):
    assert is_streamlit_server()
    configure_server_process()
    assert AppSession.delivers_each_run_before_the_next
    assert script_runner._clean_problem_modules is patches.close_figures_only
    assert gc.get_freeze_count() > 0
    # Counted calls, not the frozen count: frozen objects freed meanwhile (by any thread) lower that count.
    freezes = []
    monkeypatch.setattr(gc, "freeze", lambda: freezes.append(1))
    configure_server_process()
    assert freezes == []  # a rerun freezes nothing more (that would leak its garbage)


def test_a_servers_first_page_url_is_rerun_through_app_py_once(monkeypatch):
    from streamlit.runtime.pages_manager import PagesManager

    reruns = []
    monkeypatch.setattr("streamlit.rerun", lambda: reruns.append(1))
    monkeypatch.setattr("ui.runtime.is_streamlit_server", lambda: True)
    monkeypatch.setattr(patches.importlib.metadata, "version", lambda package: "1.67.0")
    monkeypatch.setattr(PagesManager, "uses_pages_directory", True)  # Streamlit's pages/ mode: the page file alone
    enter_through_app()
    assert PagesManager.uses_pages_directory is False and reruns == [1]
    enter_through_app()  # app.py's st.navigation now decides every run: nothing more to do
    assert reruns == [1]


def test_a_servers_first_root_url_leaves_the_old_mode_without_a_rerun(monkeypatch):
    from streamlit.runtime.pages_manager import PagesManager

    import ui.runtime

    reruns = []
    monkeypatch.setattr("streamlit.rerun", lambda: reruns.append(1))
    monkeypatch.setattr("ui.runtime.is_streamlit_server", lambda: True)
    monkeypatch.setattr(patches.importlib.metadata, "version", lambda package: "1.67.0")
    monkeypatch.setattr(PagesManager, "uses_pages_directory", True)
    monkeypatch.setattr(ui.runtime, "APP_SCRIPT", Path(__file__).resolve())  # as if this test file were app.py
    enter_through_app()
    assert PagesManager.uses_pages_directory is False and reruns == [], "app.py's own run needs no rerun"
