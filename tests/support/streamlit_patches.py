"""Undo what ui/patches.py changes in Streamlit, so a test that applies the patches leaves no trace."""

from streamlit.runtime.app_session import AppSession
from streamlit.runtime.memory_uploaded_file_manager import MemoryUploadedFileManager
from streamlit.runtime.scriptrunner import script_runner


def restore_patched_streamlit(monkeypatch) -> None:
    """Have monkeypatch put back every Streamlit attribute the patches replace, after the test."""
    monkeypatch.setattr(AppSession, "_create_scriptrunner", AppSession._create_scriptrunner)
    monkeypatch.setattr(AppSession, "_handle_scriptrunner_event_on_event_loop",
                        AppSession._handle_scriptrunner_event_on_event_loop)
    monkeypatch.setattr(AppSession, "delivers_each_run_before_the_next", False, raising=False)
    monkeypatch.setattr(AppSession, "_handle_clear_cache_request", AppSession._handle_clear_cache_request)
    monkeypatch.setattr(AppSession, "ignores_clients_clear_cache", False, raising=False)
    monkeypatch.setattr(MemoryUploadedFileManager, "add_file", MemoryUploadedFileManager.add_file)
    monkeypatch.setattr(MemoryUploadedFileManager, "caps_uploads_per_session", False, raising=False)
    monkeypatch.setattr(script_runner, "_clean_problem_modules", script_runner._clean_problem_modules)
