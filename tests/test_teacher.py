"""Teacher mode: with a teacher password set, deleting models and drawings and cancelling others' jobs need it."""

import time
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from mnist_cnn import config
from mnist_cnn.jobs.manager import RUNNING, JobSnapshot, JobSpec
import mnist_cnn.jobs.manager as jobs
from mnist_cnn.lessons.teacher import (PASSWORD_ENVIRONMENT_VARIABLE, find_teacher_password, fingerprint_password,
                                       is_correct_password, is_unlocked)
from mnist_cnn.my_digits.collections import MyDigitsStore
from mnist_cnn.safety.guess_throttle import GuessThrottle
from ui.teacher import UNLOCKED_KEY
from tests.support.clock import FakeClock
from tests.support.server import copy_bundled_models
from tests.support.stores import save_trained_model

APP_PATH = str(Path(__file__).resolve().parent.parent / "app.py")
PASSWORD = "chalk-and-slate"


def test_the_password_comes_from_the_environment_first_then_the_secrets():
    assert find_teacher_password({}, {}) is None
    assert find_teacher_password({"teacher_password": ""}, {}) is None  # empty means not set
    assert find_teacher_password({"teacher_password": "a"}, {}) == "a"
    assert find_teacher_password({"teacher_password": "a"}, {PASSWORD_ENVIRONMENT_VARIABLE: "b"}) == "b"
    assert find_teacher_password({"teacher_password": 1234}, {}) is None  # not a string: not a password


def test_a_password_unlocks_only_when_right_and_only_until_it_changes():
    assert is_correct_password(PASSWORD, PASSWORD)
    assert not is_correct_password("chalk", PASSWORD) and not is_correct_password("", PASSWORD)
    assert is_unlocked(None, None)  # no password: everyone, as before
    assert not is_unlocked(None, PASSWORD)
    assert is_unlocked(fingerprint_password(PASSWORD), PASSWORD)
    assert not is_unlocked(fingerprint_password(PASSWORD), "a new password")


@pytest.fixture
def classroom(tmp_path, monkeypatch, mnist):
    """A private model store with one trained model, and a user-data folder with two drawings."""
    monkeypatch.delenv(PASSWORD_ENVIRONMENT_VARIABLE, raising=False)
    models_dir = copy_bundled_models(tmp_path / "models")
    monkeypatch.setattr(config, "MODELS_DIR", models_dir)
    monkeypatch.setattr(config, "USER_DATA_DIR", tmp_path / "user_data")
    monkeypatch.setattr(jobs, "JOB_MANAGER", jobs.JobManager(board_location=tmp_path / "jobs.sqlite3"))
    store = MyDigitsStore(tmp_path / "user_data" / "my_digits.sqlite3")
    _, (x_test, y_test) = mnist
    for index in range(2):
        store.add(int(y_test[index]), x_test[index].astype(np.float32) / 255.0)
    return models_dir, store


def open_app(page: str, password: str | None) -> AppTest:
    """The app on one page, with or without a teacher password in its secrets."""
    app = AppTest.from_file(APP_PATH, default_timeout=120)
    if password is not None:
        app.secrets["teacher_password"] = password
    app.run()
    app.switch_page(page).run()
    assert not app.exception
    return app


def show_sidebar_only():
    """The app's sidebar as a script of its own (AppTest shows a st.navigation app's sidebar on its first run only)."""
    from ui.sidebar import show_sidebar
    from ui.state import init_session_state

    init_session_state()
    show_sidebar()


def open_sidebar(password: str | None) -> AppTest:
    """The sidebar, with or without a teacher password in its secrets."""
    app = AppTest.from_function(show_sidebar_only, default_timeout=120)
    if password is not None:
        app.secrets["teacher_password"] = password
    return app.run()


def unlock(app: AppTest, typed: str) -> AppTest:
    """Type a password into the sidebar's teacher box and press Unlock."""
    app.text_input(key="teacher_password_input").input(typed)
    app.button(key="teacher_unlock").click().run()
    assert not app.exception
    return app


def unlock_as_the_sidebar_does(app: AppTest) -> AppTest:
    """Put the session in teacher mode as the sidebar's Unlock does (see the sidebar test), and rerun."""
    app.session_state[UNLOCKED_KEY] = fingerprint_password(PASSWORD)
    return app.run()


def labels(app: AppTest) -> list[str]:
    """The labels of every button on the page."""
    return [button.label for button in app.button]


@pytest.fixture
def clock(monkeypatch):
    """The server's password throttle on a fake clock (as configured: 1 s after a wrong guess, doubling to 30 s)."""
    import ui.teacher as teacher_ui

    clock = FakeClock()
    monkeypatch.setattr(teacher_ui, "GUESS_THROTTLE", GuessThrottle(
        config.TEACHER_GUESS_FIRST_WAIT_SECONDS, config.TEACHER_GUESS_LONGEST_WAIT_SECONDS,
        config.TEACHER_GUESS_QUIET_SECONDS, clock=clock))
    return clock


def errors(app: AppTest) -> list[str]:
    """The texts of the error boxes shown."""
    return [error.value for error in app.error]


def test_the_sidebar_unlocks_teacher_mode_with_the_right_password_only(classroom, clock):
    app = open_sidebar(PASSWORD)
    unlock(app, "wrong guess")
    assert errors(app) == ["Wrong password."]
    assert app.session_state.get(UNLOCKED_KEY) is None
    clock.advance(config.TEACHER_GUESS_FIRST_WAIT_SECONDS)  # the wait after a wrong guess is over
    unlock(app, PASSWORD)
    assert app.session_state[UNLOCKED_KEY] == fingerprint_password(PASSWORD)
    assert any("Unlocked" in success.value for success in app.success)
    app.button(key="teacher_lock").click().run()
    assert app.session_state[UNLOCKED_KEY] is None  # locked again: the password box and Unlock are back
    assert "teacher_password_input" in [widget.key for widget in app.text_input]
    buttons = [button.key for button in app.button]
    assert "teacher_unlock" in buttons and "teacher_lock" not in buttons
    assert not any("Unlocked" in success.value for success in app.success)
    unlock(app, PASSWORD)  # no wait after a right password
    assert app.session_state[UNLOCKED_KEY] == fingerprint_password(PASSWORD)


def test_a_wrong_guess_in_one_session_makes_every_session_wait(classroom, clock):
    guesser, teacher = open_sidebar(PASSWORD), open_sidebar(PASSWORD)
    unlock(guesser, "guess 1")
    unlock(teacher, PASSWORD)  # another browser, right after: refused at once, its password unread
    assert errors(teacher) == ["Too many wrong passwords: try again in 1 s."]
    assert teacher.session_state.get(UNLOCKED_KEY) is None
    clock.advance(1)
    unlock(guesser, "guess 2")
    clock.advance(1)
    unlock(guesser, "guess 3")  # refused: the second wrong guess doubled the wait to 2 s
    assert errors(guesser) == ["Too many wrong passwords: try again in 1 s."]
    clock.advance(1)
    unlock(teacher, PASSWORD)
    assert teacher.session_state[UNLOCKED_KEY] == fingerprint_password(PASSWORD)


def test_a_wrong_guess_is_logged_without_the_password(classroom, clock, caplog):
    with caplog.at_level("WARNING", logger="mnist_cnn.safety.guess_throttle"):
        unlock(open_sidebar(PASSWORD), "my secret guess")
    assert "Wrong teacher password" in caplog.text and "my secret guess" not in caplog.text


def test_a_password_shorter_than_the_minimum_keeps_teacher_mode_locked_and_says_why(classroom, clock):
    short = "x" * (config.MIN_TEACHER_PASSWORD_LENGTH - 1)
    app = open_sidebar(short)
    assert any(f"shorter than {config.MIN_TEACHER_PASSWORD_LENGTH} characters" in error for error in errors(app))
    assert not any(widget.key == "teacher_password_input" for widget in app.text_input)
    app = open_app("pages/my_digits.py", short)
    assert "Delete all" not in labels(app), "a short password does not open teacher actions to everyone"
    app = open_sidebar("x" * config.MIN_TEACHER_PASSWORD_LENGTH)  # exactly the minimum: a password box
    assert "teacher_password_input" in [widget.key for widget in app.text_input]
    assert not errors(app)


def test_without_a_password_there_is_no_teacher_box(classroom):
    app = open_sidebar(None)
    assert not any(widget.key == "teacher_password_input" for widget in app.text_input)


def test_deleting_a_model_needs_the_teacher_when_a_password_is_set(classroom, tiny_trained_model):
    models_dir, _ = classroom
    stored = save_trained_model(models_dir, tiny_trained_model, "keras_example-test")
    app = open_app("pages/training.py", PASSWORD)
    assert "Delete…" not in labels(app)
    assert any("Only the teacher" in caption.value for caption in app.caption)
    unlock_as_the_sidebar_does(app)
    app.button[labels(app).index("Delete…")].click().run()
    app.button[labels(app).index("Yes, delete it")].click().run()
    assert not app.exception and not stored.model_path.exists()


def test_without_a_password_everyone_may_delete_as_before(classroom, tiny_trained_model):
    models_dir, _ = classroom
    save_trained_model(models_dir, tiny_trained_model, "keras_example-test")
    app = open_app("pages/training.py", None)
    assert "Delete…" in labels(app)


def test_deleting_all_drawings_needs_the_teacher_when_a_password_is_set(classroom):
    _, store = classroom
    app = open_app("pages/my_digits.py", PASSWORD)
    assert "Delete all" not in labels(app)
    assert any("Only the teacher" in caption.value for caption in app.caption)
    unlock_as_the_sidebar_does(app)
    app.checkbox(key="confirm_clear").check().run()
    app.button[labels(app).index("Delete all")].click().run()
    assert not app.exception and store.list_digits() == []


def running_snapshot() -> JobSnapshot:
    """A job that another browser session started and that is training now."""
    return JobSnapshot(job_id="someone-else", spec=JobSpec(), status=RUNNING, phase="training", epoch=1,
                       batch=10, batches_per_epoch=100, history={}, batch_trace=[], started_at=time.time(),
                       elapsed_seconds=5.0, eta_seconds=60.0, cancel_requested=False)


@pytest.mark.parametrize("password", [PASSWORD, None], ids=["password-set", "no-password"])
def test_cancelling_someone_elses_job_needs_the_teacher_when_a_password_is_set(classroom, monkeypatch,
                                                                               password):
    cancelled = []
    manager = jobs.get_job_manager()
    monkeypatch.setattr(manager, "current", lambda owner=None: running_snapshot())
    monkeypatch.setattr(manager, "cancel", lambda job_id=None, reason="": cancelled.append(job_id) or True)
    app = open_app("pages/training.py", password)
    if password is not None:
        assert "Cancel training" not in labels(app)
        assert any("Only the teacher" in caption.value for caption in app.caption)
        unlock_as_the_sidebar_does(app)
    app.button(key="cancel_page").click().run()
    assert cancelled == ["someone-else"]


@pytest.mark.parametrize("content, locked", [('teacher_password = "unterminated\n', True),
                                             ('other_secret = "x"\n', False)], ids=["broken", "no-password"])
def test_a_broken_secrets_file_keeps_teacher_actions_locked(tmp_path, monkeypatch, content, locked):
    import streamlit as st
    from streamlit import config as streamlit_config
    from streamlit.runtime.secrets import Secrets

    import ui.teacher as teacher_ui

    secrets_file = tmp_path / "secrets.toml"
    secrets_file.write_text(content)
    monkeypatch.delenv(PASSWORD_ENVIRONMENT_VARIABLE, raising=False)
    real_get_option = streamlit_config.get_option

    def get_option(name):
        return [str(secrets_file)] if name == "secrets.files" else real_get_option(name)

    monkeypatch.setattr(streamlit_config, "get_option", get_option)  # read by Streamlit's Secrets
    monkeypatch.setattr(st, "get_option", get_option)  # read by ui.teacher
    monkeypatch.setattr(st, "secrets", Secrets())
    assert (teacher_ui.configured_password() == teacher_ui.UNREADABLE_SECRETS) is locked
    assert (teacher_ui.configured_password() is None) is not locked
