"""The Training page shows this tab's queued job (its place, estimated start and Cancel) and the class's queue;
a student cancels only their own job, the teacher anyone's."""

import time
from dataclasses import replace
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import mnist_cnn.jobs.manager as jobs
from mnist_cnn import config
from mnist_cnn.jobs.spec import CANCELLED, JobSpec
from mnist_cnn.lessons.teacher import PASSWORD_ENVIRONMENT_VARIABLE, fingerprint_password
from tests.support.jobs import TINY_SPEC
from tests.support.server import copy_bundled_models

APP_PATH = str(Path(__file__).resolve().parent.parent / "app.py")
PASSWORD = "chalk-and-slate"
MY_TAB = "my-tab"   # this browser tab's session key (the owner of its jobs)
PROGRESS = {"epoch": 1, "batch": 6, "batches_per_epoch": 15, "history": {},
            "batch_trace": [{"epoch": 0.4, "loss": 1.2}]}


@pytest.fixture
def class_queue(tmp_path, monkeypatch):
    """Another tab's job training on another server, and this tab's job queued behind it (no dispatcher here)."""
    monkeypatch.delenv(PASSWORD_ENVIRONMENT_VARIABLE, raising=False)
    monkeypatch.setattr(config, "MODELS_DIR", copy_bundled_models(tmp_path / "models"))
    monkeypatch.setattr(config, "USER_DATA_DIR", tmp_path / "user_data")
    manager = jobs.JobManager(board_location=tmp_path / "jobs.sqlite3")
    monkeypatch.setattr(jobs, "JOB_MANAGER", manager)
    monkeypatch.setattr(manager, "ensure_dispatching", lambda: None)  # the queue stays as the test set it
    board = manager.board
    theirs = board.submit(TINY_SPEC, "another-tab")
    board.claim_next("local", "another-server", slots=1)
    # 6 of 15 batches in 300 s: 450 s of training left, then evaluating and saving (about 5 s).
    board.report(theirs, phase="training", progress=PROGRESS, training_started_at=time.time() - 300)
    mine = board.submit(JobSpec(replace(TINY_SPEC.settings, epochs=3)), MY_TAB)
    return board, theirs, mine


def open_training_page(teacher: bool = False) -> AppTest:
    """The Training page for this tab, on a server with a teacher password (unlocked if teacher)."""
    app = AppTest.from_file(APP_PATH, default_timeout=180)
    app.secrets["teacher_password"] = PASSWORD
    app.session_state["rate_limit_session"] = MY_TAB
    if teacher:
        app.session_state["teacher_unlocked"] = fingerprint_password(PASSWORD)
    app.switch_page("pages/training.py").run()
    assert not app.exception, [item.value for item in app.exception]
    return app


def test_a_queued_job_shows_its_place_and_the_class_queue_and_only_its_owner_cancels_it(class_queue):
    board, theirs, mine = class_queue
    app = open_training_page()
    texts = " ".join(markdown.value for markdown in app.markdown)
    assert "Your job is queued: position 1**, it starts in about 8 min" in texts
    assert not app.info, "no note while nothing holds it back"
    table = app.dataframe[0].value  # the first on the page
    assert list(table["place"]) == ["running", "#1"]
    assert list(table["owner"]) == ["another student", "you"]
    assert list(table["state"]) == ["training · 40%", "queued, starts in about 8 min"]
    assert "keras_example · 3 ep · 1,000 images" in table["settings"][1]
    labels = [button.label for button in app.button]
    assert "Cancel your queued #1 job" in labels
    assert not [label for label in labels if "another student's" in label]  # a student cancels only their own
    app.button(key="cancel_queued_page").click().run()
    assert not app.exception
    assert board.get(mine).status == CANCELLED and board.get(theirs).is_running


def test_the_teacher_cancels_another_students_running_job(class_queue):
    board, theirs, _ = class_queue
    app = open_training_page(teacher=True)
    app.button(key=f"cancel_queue_{theirs}").click().run()
    assert not app.exception
    asked = board.get(theirs)
    assert asked.cancel_requested and asked.message == "Cancelled by the teacher."


def test_a_job_the_cluster_could_not_take_yet_says_why_it_waits(class_queue):
    board, _, mine = class_queue
    note = "No worker node of the Ray cluster offers the 'trainer' resource (is its worker node down?)"
    board.claim_next("local", "a-server", slots=2)
    assert board.release(mine, note) and board.get(mine).is_queued
    app = open_training_page()
    assert [info.value for info in app.info] == [f"Waiting: {note}"]
