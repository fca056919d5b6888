"""run_job_from_board: a claimed job's work, progress, Cancel and end, through the board (in this process, with a
quick fake work), and its command line (Ray's entrypoint) training a tiny model against PostgreSQL."""

import subprocess
import sys
import threading
import time
from dataclasses import replace

import pytest

from mnist_cnn.jobs import board_runner
from mnist_cnn.jobs.board import JobBoard
from mnist_cnn.jobs.board_runner import run_job_from_board
from mnist_cnn.jobs.spec import CANCELLED, FAILED, FINISHED, QUEUED, JobSpec
from mnist_cnn.jobs.work import WORK_KINDS
from mnist_cnn.store import files
from mnist_cnn.store.model_store import ModelStore
from tests.support.jobs import FAKE_BATCHES, TINY_SPEC, work_that_fails, work_that_trains_quickly
from tests.support.server import PROJECT_ROOT, copy_bundled_models

WAIT_SECONDS = 240   # the command line imports TensorFlow on a shared, busy machine


@pytest.fixture
def board(tmp_path, monkeypatch):
    """A board on a new SQLite file; the quick and failing fake works registered; temporary-file tags restored."""
    monkeypatch.setitem(WORK_KINDS, "quick", work_that_trains_quickly)
    monkeypatch.setitem(WORK_KINDS, "fails", work_that_fails)
    monkeypatch.setattr(files, "TEMPORARY_TAG", "")
    return JobBoard(tmp_path / "jobs.sqlite3")


def claim(board: JobBoard, kind: str, epochs: int = 1) -> str:
    """Submit a job of that kind and claim it; its id."""
    job_id = board.submit(JobSpec(replace(TINY_SPEC.settings, epochs=epochs), kind=kind), "anna")
    assert board.claim_next("local", "test", slots=1).job_id == job_id
    return job_id


def run_in_thread(board: JobBoard, job_id: str, tmp_path) -> list:
    """Run the job in a thread of this process; a list that receives its final status."""
    result = []
    threading.Thread(target=lambda: result.append(run_job_from_board(job_id, tmp_path, board.location,
                                                                     lower_priority=False)), daemon=True).start()
    return result


def wait_for(board: JobBoard, job_id: str, condition, timeout: float = 60):
    """Poll the board until condition(snapshot) holds; the snapshot."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        snapshot = board.get(job_id)
        if condition(snapshot):
            return snapshot
        time.sleep(0.05)
    raise AssertionError(f"timed out; last state {board.get(job_id)}")


def test_a_claimed_job_runs_writes_its_progress_and_ends_finished(board, tmp_path):
    job_id = claim(board, "quick", epochs=2)
    assert run_job_from_board(job_id, tmp_path, board.location, lower_priority=False) == FINISHED
    ended = board.get(job_id)
    assert (ended.status, ended.phase, ended.result_model_name) == (FINISHED, "done", "fake-2-epochs")
    assert (ended.epoch, ended.batch, ended.batches_per_epoch) == (2, FAKE_BATCHES, FAKE_BATCHES)
    assert ended.history["loss"] == [0.5, 0.5] and ended.overall_fraction == 1.0
    # Progress was throttled: a point per write (a few a second), always one at an epoch's end.
    assert 2 <= len(ended.batch_trace) < 2 * FAKE_BATCHES and ended.batch_trace[-1]["epoch"] == 2.0
    assert run_job_from_board(job_id, tmp_path, board.location, lower_priority=False) == FINISHED  # not rerun


def test_cancel_on_the_board_stops_the_job_between_batches(board, tmp_path):
    job_id = claim(board, "quick", epochs=30)
    result = run_in_thread(board, job_id, tmp_path)
    training = wait_for(board, job_id, lambda job: job.batch > 0)
    assert board.request_cancel(job_id, "Cancelled by the teacher; nothing was saved.")
    ended = wait_for(board, job_id, lambda job: not job.is_running)
    assert (ended.status, ended.message) == (CANCELLED, "Cancelled by the teacher; nothing was saved.")
    assert ended.epoch <= training.epoch + 1 and not ended.result_model_name
    deadline = time.monotonic() + 10
    while not result and time.monotonic() < deadline:
        time.sleep(0.05)
    assert result == [CANCELLED]


def test_a_failing_work_and_an_unclaimed_job(board, tmp_path):
    failing = claim(board, "fails")
    assert run_job_from_board(failing, tmp_path, board.location, lower_priority=False) == FAILED
    assert board.get(failing).message == "ValueError: The data could not be read."
    waiting = board.submit(JobSpec(TINY_SPEC.settings, kind="quick"), "ben")
    assert run_job_from_board(waiting, tmp_path, board.location, lower_priority=False) == QUEUED  # not claimed
    assert board.get(waiting).phase == "queued"
    with pytest.raises(ValueError, match="No job"):
        run_job_from_board("no-such-job", tmp_path, board.location)


def test_a_job_the_board_failed_meanwhile_stops_and_keeps_its_failure(board, tmp_path, monkeypatch):
    monkeypatch.setattr(board_runner, "WATCH_SECONDS", 0.05)
    job_id = claim(board, "quick", epochs=30)
    result = run_in_thread(board, job_id, tmp_path)
    wait_for(board, job_id, lambda job: job.batch > 0)
    assert board.mark_ended(job_id, FAILED, "Its worker stopped responding.")  # as fail_stale would
    deadline = time.monotonic() + 10
    while not result and time.monotonic() < deadline:
        time.sleep(0.05)
    assert result == [FAILED] and board.get(job_id).message == "Its worker stopped responding."


@pytest.mark.slow
def test_the_command_line_trains_a_tiny_model_from_a_shared_database(postgres_url, tmp_path):
    models_dir = copy_bundled_models(tmp_path / "models")
    board = JobBoard(postgres_url)
    job_id = board.submit(TINY_SPEC, "anna")
    board.claim_next("local", "ray-head", slots=1)
    finished = subprocess.run([sys.executable, "-m", "mnist_cnn.jobs.board_runner", job_id, "--models",
                               str(models_dir), "--database", postgres_url], cwd=PROJECT_ROOT, capture_output=True,
                              text=True, timeout=WAIT_SECONDS)
    assert finished.returncode == 0, finished.stderr[-2000:]
    assert f"job {job_id}: finished" in finished.stdout
    ended = board.get(job_id)
    assert ended.status == FINISHED and ended.batches_per_epoch == 15  # 900 training images / 64 per batch
    assert len(ended.history["loss"]) == 1 and ended.batch_trace
    stored = ModelStore(models_dir).get(ended.result_model_name)
    assert stored.metadata["test_accuracy"] == pytest.approx(ended.test_accuracy)
    assert not [path.name for path in models_dir.iterdir() if path.name.startswith(".tmp-")]
