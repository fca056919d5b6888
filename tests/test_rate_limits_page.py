"""The rate limits where the app uses them (AppTest, on a fake clock): saving drawings, importing, creating
collections and starting jobs; exactly the limit is allowed and one more refused with a clear message."""

import io

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from mnist_cnn import config
import mnist_cnn.jobs.manager as jobs
from mnist_cnn.my_digits.collections import DEFAULT_COLLECTION, MyDigitsStore
from tests.support.clock import FakeClock, put_limits_on_clock

RUN_TIMEOUT = 60  # seconds: these scripts import no model


@pytest.fixture
def clock(monkeypatch, tmp_path):
    """Every rate limit on a fake clock, and a private drawings database."""
    monkeypatch.setattr(config, "USER_DATA_DIR", tmp_path)
    clock = FakeClock()
    put_limits_on_clock(monkeypatch, clock)
    return clock


def saving_script():
    """A bar kept as the upload's last drawing, and a button that saves it as a 1 (as the label picker does)."""
    import numpy as np
    import streamlit as st

    from ui.draw.labelling import save_labelled_drawing

    digit = np.zeros((28, 28), np.float32)
    digit[6:22, 12:16] = 1.0
    st.session_state["label_drawing_upload"] = (digit, None)
    st.button("Save", key="save", on_click=save_labelled_drawing, args=(1, "upload"))


def save(app: AppTest) -> list[str]:
    """Press Save; the errors shown."""
    app.button(key="save").click().run()
    assert not app.exception, app.exception
    return [error.value for error in app.error]


def test_a_session_saves_exactly_its_limit_per_minute_and_one_more_is_refused(clock, tmp_path):
    app = AppTest.from_function(saving_script, default_timeout=RUN_TIMEOUT).run()
    for _ in range(config.MAX_SAVES_PER_MINUTE):
        assert save(app) == []
    errors = save(app)
    assert len(errors) == 1 and "Too many drawings saved from this browser tab" in errors[0]
    assert f"at most {config.MAX_SAVES_PER_MINUTE} per minute" in errors[0]
    store = MyDigitsStore(tmp_path / "my_digits.sqlite3")
    assert store.count_by_collection()[DEFAULT_COLLECTION] == config.MAX_SAVES_PER_MINUTE
    other = AppTest.from_function(saving_script, default_timeout=RUN_TIMEOUT).run()
    assert save(other) == [], "another browser tab has its own count"
    clock.advance(60)
    assert save(app) == [], "a minute later the first tab saves again"


def importing_script():
    """The My digits importer on its own."""
    from mnist_cnn import config
    from ui.my_digits.gallery import show_import

    show_import("default", config.MAX_DIGITS_UPLOAD_MB)


def make_archive() -> bytes:
    """A one-digit .npz in MNIST layout."""
    buffer = io.BytesIO()
    np.savez(buffer, x_train=np.zeros((1, 28, 28), np.uint8), y_train=np.array([3], np.uint8),
             x_test=np.zeros((0, 28, 28), np.uint8), y_test=np.zeros((0,), np.uint8))
    return buffer.getvalue()


def test_a_session_imports_exactly_its_limit_per_hour(clock):
    app = AppTest.from_function(importing_script, default_timeout=RUN_TIMEOUT).run()
    for index in range(config.MAX_IMPORTS_PER_HOUR + 1):
        app.file_uploader(key="import_npz").upload(f"digits-{index}.npz", make_archive(),
                                                   "application/octet-stream")
        app.run()
        app.button[0].click().run()
        assert not app.exception, app.exception
    assert len(app.error) == 1 and "Too many imports from this browser tab" in app.error[0].value
    assert MyDigitsStore(config.USER_DATA_DIR / "my_digits.sqlite3").count_by_collection()[DEFAULT_COLLECTION] == (
        config.MAX_IMPORTS_PER_HOUR)


def picker_script():
    """The sidebar's collection picker on its own."""
    from ui.collections import show_collection_picker

    show_collection_picker()


def create(app: AppTest, name: str) -> list[str]:
    """Create a collection in the picker; the warnings shown."""
    app.sidebar.text_input(key="collection_new_name").input(name)
    app.sidebar.button(key="collection_create").click().run()
    assert not app.exception, app.exception
    return [warning.value for warning in app.sidebar.warning]


def open_picker() -> AppTest:
    return AppTest.from_function(picker_script, default_timeout=RUN_TIMEOUT).run()


def test_a_session_creates_exactly_its_limit_of_collections_per_hour(clock, tmp_path):
    app = open_picker()
    for index in range(config.MAX_NEW_COLLECTIONS_PER_SESSION_HOUR):
        assert create(app, f"room {index}") == []
        assert app.session_state["collection"] == f"room {index}"
    assert create(app, "room 0") == [], "switching to an existing collection is not counted"
    warnings = create(app, "one too many")
    assert len(warnings) == 1 and "Too many new collections from this browser tab" in warnings[0]
    assert "one too many" not in MyDigitsStore(tmp_path / "my_digits.sqlite3").list_collections()
    clock.advance(3600)
    assert create(app, "an hour later") == []


def test_a_flood_of_sessions_cannot_fill_the_server_with_collections(clock, tmp_path):
    store = MyDigitsStore(tmp_path / "my_digits.sqlite3")
    per_session = config.MAX_NEW_COLLECTIONS_PER_SESSION_HOUR
    refused = 0
    for session in range(config.MAX_NEW_COLLECTIONS_PER_WINDOW // per_session + 2):
        app = open_picker()  # a new browser tab: a fresh per-session count
        for index in range(per_session):
            warnings = create(app, f"flood {session}-{index}")
            refused += any("Too many new collections on this server" in warning for warning in warnings)
    created = len(store.list_collections()) - 1
    assert created == config.MAX_NEW_COLLECTIONS_PER_WINDOW and refused > 0
    assert created < config.MAX_COLLECTIONS, "room is left for others"
    student = open_picker()
    assert any("on this server" in warning for warning in create(student, "Class 4b"))
    clock.advance(config.NEW_COLLECTIONS_WINDOW_SECONDS)
    assert create(student, "Class 4b") == [] and student.session_state["collection"] == "Class 4b"


def retrain_sidebar_script():
    """The sidebar with the Retrain panel, on its own."""
    from ui.sidebar import show_sidebar
    from ui.state import init_session_state

    init_session_state()
    show_sidebar()


@pytest.fixture
def started_jobs(monkeypatch, tmp_path):
    """A job manager that records starts instead of training (and is never busy)."""
    from tests.support.server import copy_bundled_models
    from tests.test_teacher import running_snapshot

    monkeypatch.setattr(config, "MODELS_DIR", copy_bundled_models(tmp_path / "models"))
    monkeypatch.setattr(jobs, "JOB_MANAGER", jobs.JobManager(board_location=tmp_path / "jobs.sqlite3"))
    started = []
    manager = jobs.get_job_manager()
    monkeypatch.setattr(manager, "current", lambda owner=None: None)
    monkeypatch.setattr(manager, "start",
                        lambda spec, owner="", resources=None: started.append(spec) or running_snapshot())
    return started


def press_start(app: AppTest) -> list[str]:
    """Press the Retrain panel's Start; the warnings shown."""
    app.button(key="retrain_start").click().run()
    assert not app.exception, app.exception
    return [warning.value for warning in app.warning]


def test_a_session_starts_one_job_per_window_unless_the_teacher_unlocked(clock, started_jobs, monkeypatch):
    from mnist_cnn.lessons.teacher import PASSWORD_ENVIRONMENT_VARIABLE, fingerprint_password

    monkeypatch.delenv(PASSWORD_ENVIRONMENT_VARIABLE, raising=False)
    app = AppTest.from_function(retrain_sidebar_script, default_timeout=120).run()
    assert press_start(app) == [] and len(started_jobs) == 1
    warnings = press_start(app)
    assert len(started_jobs) == 1 and any("Too many training jobs started from this browser tab" in warning
                                          for warning in warnings), warnings
    clock.advance(config.JOB_START_WINDOW_SECONDS)
    press_start(app)
    assert len(started_jobs) == 2
    teacher = AppTest.from_function(retrain_sidebar_script, default_timeout=120)
    teacher.secrets["teacher_password"] = "chalk-and-slate"
    teacher.session_state["teacher_unlocked"] = fingerprint_password("chalk-and-slate")
    teacher.run()
    for _ in range(3):
        press_start(teacher)
    assert len(started_jobs) == 5, "the unlocked teacher is not limited"
