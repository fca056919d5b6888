"""Tests for the server-process settings: compiled kernels kept, start-up objects frozen, runs delivered whole."""

import gc

import keras
import pytest

import ui.runtime as runtime
from ui.runtime import configure_server_process, deliver_each_run_before_the_next, keep_compiled_kernels_between_runs


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
    monkeypatch.setattr(runtime, "DEFERRED_RERUN_LIMIT_SECONDS", -1.0)  # the limit has passed
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


def test_the_workaround_is_applied_once_to_streamlits_app_session():
    from streamlit.runtime.app_session import AppSession

    configure_server_process()
    wrapped = AppSession._create_scriptrunner
    assert AppSession.delivers_each_run_before_the_next
    configure_server_process()
    assert AppSession._create_scriptrunner is wrapped
