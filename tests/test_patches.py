"""Tests for ui/patches.py: runs delivered whole, Keras state kept after a run, version check; all undone after."""

import logging
import re
from pathlib import Path

import keras
import matplotlib.pyplot as plt
import pytest
from streamlit.runtime.app_session import AppSession
from streamlit.runtime.memory_uploaded_file_manager import MemoryUploadedFileManager
from streamlit.runtime.scriptrunner import script_runner

from ui.patches import apply_patches, deliver_each_run_before_the_next, keep_keras_state_between_runs
import ui.patches as patches
from tests.support.streamlit_patches import restore_patched_streamlit

ORIGINAL_CLEANUP = script_runner._clean_problem_modules


@pytest.fixture
def restore_streamlit(monkeypatch):
    """Whatever the test patches in Streamlit's AppSession and script runner is put back afterwards."""
    restore_patched_streamlit(monkeypatch)


def fake_version(version):
    """A stand-in for importlib.metadata.version that reports `version` for every package."""
    return lambda package: version


def test_on_a_verified_version_the_patches_apply_once(restore_streamlit, monkeypatch):
    monkeypatch.setattr(patches.importlib.metadata, "version", fake_version("1.67.9"))
    assert apply_patches()
    wrapped = (AppSession._create_scriptrunner, AppSession._handle_clear_cache_request,
               MemoryUploadedFileManager.add_file)
    assert AppSession.delivers_each_run_before_the_next and AppSession.ignores_clients_clear_cache
    assert MemoryUploadedFileManager.caps_uploads_per_session
    assert script_runner._clean_problem_modules is patches.close_figures_only
    assert apply_patches()
    assert (AppSession._create_scriptrunner, AppSession._handle_clear_cache_request,
            MemoryUploadedFileManager.add_file) == wrapped  # idempotent: app.py runs on every rerun


def test_on_an_unverified_version_nothing_is_patched_and_a_warning_is_logged(restore_streamlit, monkeypatch, caplog):
    monkeypatch.setattr(patches.importlib.metadata, "version", fake_version("1.99.0"))
    patches.warn_unverified_version.cache_clear()
    with caplog.at_level(logging.WARNING, logger="ui.patches"):
        assert not apply_patches()
    assert "1.99.0" in caplog.text and "without its patches" in caplog.text
    assert not getattr(AppSession, "delivers_each_run_before_the_next", False)
    assert not getattr(AppSession, "ignores_clients_clear_cache", False)
    assert not getattr(MemoryUploadedFileManager, "caps_uploads_per_session", False)
    assert script_runner._clean_problem_modules is ORIGINAL_CLEANUP


def test_requirements_pin_streamlit_to_the_verified_minor_versions():
    requirements = (Path(__file__).parent.parent / "requirements.txt").read_text()
    pin = re.search(r"^streamlit>=(\d+)\.(\d+),<(\d+)\.(\d+)", requirements, re.MULTILINE)
    assert pin, "requirements.txt should pin Streamlit to a minor version range"
    low_major, low_minor, high_major, high_minor = map(int, pin.groups())
    allowed = {f"{low_major}.{minor}" for minor in range(low_minor, high_minor)} if low_major == high_major else None
    assert allowed == set(patches.VERIFIED_STREAMLIT_VERSIONS)


def test_the_patched_after_run_cleanup_keeps_keras_state_and_closes_figures(restore_streamlit):
    keep_keras_state_between_runs(script_runner)
    before = keras.layers.Dense(1).name
    plt.figure()
    script_runner._clean_problem_modules()
    assert plt.get_fignums() == []
    after = keras.layers.Dense(1).name
    assert after != "dense" and after != before  # clear_session() would have reset the layer-name counter


def test_keras_clear_session_itself_is_never_replaced(restore_streamlit, monkeypatch):
    monkeypatch.setattr(patches.importlib.metadata, "version", fake_version("1.67.0"))
    original = keras.backend.clear_session
    apply_patches()
    assert keras.backend.clear_session is original


class FakeRunner:
    """A ScriptRunner stand-in that records the reruns it was asked to merge."""

    def __init__(self, first_rerun):
        self.reruns = [first_rerun]

    def request_rerun(self, rerun_data):
        self.reruns.append(rerun_data)
        return True


class FakeSession:
    """The two AppSession methods the workaround wraps, reduced to what they do to `_scriptrunner`."""

    def __init__(self):
        self._scriptrunner, self._state, self.handled = None, "running", []

    def _create_scriptrunner(self, rerun_data):
        self._scriptrunner = FakeRunner(rerun_data)

    def _handle_scriptrunner_event_on_event_loop(self, sender, event, **kwargs):
        self.handled.append((sender, event))
        if event == "SHUTDOWN" and sender is self._scriptrunner:
            self._scriptrunner = None  # as AppSession does once a runner has reported its end


@pytest.fixture
def session_class():
    """A fresh copy of the fake session class, with the workaround applied."""
    patched = type("PatchedSession", (FakeSession,), {})
    deliver_each_run_before_the_next(patched, "SHUTDOWN", "closing")
    return patched


def test_a_rerun_waits_for_the_finished_runner_to_deliver_its_messages(session_class):
    session = session_class()
    session._create_scriptrunner("draw stroke")
    finished = session._scriptrunner
    session._create_scriptrunner("sidebar poll")  # the finished runner refused it: Streamlit would start one now
    assert session._scriptrunner is finished  # so the finished runner's last messages still count
    session._create_scriptrunner("draw clear")
    session._handle_scriptrunner_event_on_event_loop(finished, "ENQUEUE_FORWARD_MSG")
    assert session._scriptrunner is finished
    session._handle_scriptrunner_event_on_event_loop(finished, "SHUTDOWN")
    assert session._scriptrunner is not finished
    assert session._scriptrunner.reruns == ["sidebar poll", "draw clear"]  # both run, merged by the new runner


def test_with_nothing_running_a_rerun_starts_at_once(session_class):
    session = session_class()
    session._create_scriptrunner("first run")
    assert session._scriptrunner.reruns == ["first run"]


def test_a_runner_that_never_reports_its_end_does_not_block_the_session(session_class, monkeypatch):
    session = session_class()
    session._create_scriptrunner("draw stroke")
    stuck = session._scriptrunner
    session._create_scriptrunner("sidebar poll")
    monkeypatch.setattr(patches, "DEFERRED_RERUN_LIMIT_SECONDS", -1.0)  # the limit has passed
    session._create_scriptrunner("draw clear")
    assert session._scriptrunner is not stuck and session._scriptrunner.reruns == ["draw clear"]


def test_a_closing_session_starts_nothing_new(session_class):
    session = session_class()
    session._create_scriptrunner("draw stroke")
    finished = session._scriptrunner
    session._create_scriptrunner("sidebar poll")
    session._state = "closing"
    session._handle_scriptrunner_event_on_event_loop(finished, "SHUTDOWN")
    assert session._scriptrunner is None
