"""The training worker dies with its server and keeps its own time limit; a dead server's job is failed and its slot
freed; two servers on one job board run one job at a time (one slot), the second queued."""

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from mnist_cnn import config
from mnist_cnn.jobs.board import JobBoard
from mnist_cnn.jobs.guard import PARENT_GONE_EXIT_CODE, TIME_LIMIT_EXIT_CODE, TIME_LIMIT_GRACE_SECONDS, WorkerWatchdog
from mnist_cnn.jobs.manager import CANCELLED, FAILED, QUEUED, RUNNING, JobManager
from tests.support.jobs import TINY_SPEC, files_in
from tests.support.server import BUNDLED_MODEL_FILES, copy_bundled_models

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SAFETY_NET_SECONDS = 60   # a worker whose server died exits within a second; one that trained on would save a model

# A server stand-in: starts a long job on a store, prints the worker's pid, then (if asked) waits for training.
SERVER_SCRIPT = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from mnist_cnn import config
    from mnist_cnn.jobs.manager import JobManager, JobSpec
    from mnist_cnn.training.settings import TrainingSettings
    config.MAX_JOB_SECONDS = float(sys.argv[2])
    manager = JobManager(models_dir=Path(sys.argv[1]), board_location=sys.argv[4])
    job = manager.start(JobSpec(TrainingSettings(architecture="keras_example", epochs=30, batch_size=32,
                                                 train_subset=20_000)))
    print(manager.process_of(job.job_id).pid, flush=True)
    while sys.argv[3] == "wait-for-training" and manager.current().is_running and manager.current().batch == 0:
        time.sleep(0.05)
    print(manager.current().phase, flush=True)
    time.sleep(600)
""")


@pytest.fixture
def models_dir(tmp_path):
    """A private store holding a copy of the bundled default model."""
    return copy_bundled_models(tmp_path / "models")


@pytest.fixture
def board_file(tmp_path):
    """A private job board's SQLite file (shared by the servers of a test)."""
    return tmp_path / "jobs.sqlite3"


def is_alive(pid: int) -> bool:
    """True while a process exists and is not a zombie waiting to be reaped."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, IndexError):
        return False


def wait_until_gone(pid: int, timeout: float) -> None:
    """Wait until the process with this pid has ended; kill it and raise AssertionError if it outlives timeout."""
    deadline = time.monotonic() + timeout
    while is_alive(pid):
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)  # a worker that failed the test must not go on training
            raise AssertionError(f"worker {pid} still alive after {timeout} s")
        time.sleep(0.1)


def wait_for_status(board: JobBoard, job_id: str, status: str, timeout: float):
    """Wait until the job has that status on the board; its snapshot (AssertionError after timeout)."""
    deadline = time.monotonic() + timeout
    while (job := board.get(job_id)).status != status:
        assert time.monotonic() < deadline, f"still {job.status}: {job.message}"
        time.sleep(0.1)
    return job


def start_server(models_dir: Path, max_seconds: float, wait: str, board_file: Path):
    """The server stand-in and its worker's pid."""
    server = subprocess.Popen([sys.executable, "-c", SERVER_SCRIPT, str(models_dir), str(max_seconds), wait,
                               str(board_file)],
                              cwd=PROJECT_ROOT, stdout=subprocess.PIPE, text=True,
                              env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    return server, int(server.stdout.readline())


def test_the_watchdog_stops_the_worker_when_the_parent_dies_or_time_is_up():
    now = [0.0]
    cancel, saving = threading.Event(), threading.Event()
    watchdog = WorkerWatchdog(parent_pid=100, max_seconds=60, cancel_event=cancel, saving_event=saving,
                              clock=lambda: now[0])
    assert watchdog.check(100) is None and not cancel.is_set()
    assert watchdog.check(1) == PARENT_GONE_EXIT_CODE  # reparented: the server is gone
    now[0] = 61
    assert watchdog.check(100) is None and cancel.is_set()  # first asked to stop at the next batch
    now[0] = 61 + TIME_LIMIT_GRACE_SECONDS
    saving.set()
    assert watchdog.check(100) is None  # a save in progress is never cut
    saving.clear()
    assert watchdog.check(100) == TIME_LIMIT_EXIT_CODE


def test_two_servers_on_one_board_run_one_job_and_queue_the_other(models_dir, board_file):
    first = JobManager(models_dir=models_dir, board_location=board_file)
    second = JobManager(models_dir=models_dir, board_location=board_file)
    running = first.start(TINY_SPEC, owner="anna")
    waiting = second.start(TINY_SPEC, owner="ben")
    assert (running.status, waiting.status, waiting.queue_position) == (RUNNING, QUEUED, 1)
    assert first.get(waiting.job_id).is_queued  # both see one queue
    first.cancel(running.job_id)
    assert first.wait(SAFETY_NET_SECONDS, running.job_id).status == CANCELLED
    started = wait_for_status(first.board, waiting.job_id, RUNNING, SAFETY_NET_SECONDS)  # whichever claims it
    assert started.runner in (first.dispatcher.runner, second.dispatcher.runner)
    assert first.cancel(waiting.job_id)  # the other server's job, cancelled through the board
    assert second.wait(SAFETY_NET_SECONDS, waiting.job_id).status == CANCELLED
    for manager in (first, second):
        manager.shutdown()


def test_a_killed_server_takes_its_worker_along_and_its_job_is_failed(models_dir, board_file, monkeypatch):
    monkeypatch.setattr(config, "JOB_STALE_SECONDS", 3)
    server, worker_pid = start_server(models_dir, max_seconds=1800, wait="wait-for-training", board_file=board_file)
    try:
        assert server.stdout.readline().strip() == "training"
        restarted = JobManager(models_dir=models_dir, board_location=board_file)
        (dead,) = restarted.list_jobs()
        assert dead.is_running
        waiting = restarted.start(TINY_SPEC, owner="ben")
        assert waiting.status == QUEUED  # the slot is still taken
    finally:
        server.send_signal(signal.SIGKILL)
        server.wait(timeout=30)
    wait_until_gone(worker_pid, timeout=SAFETY_NET_SECONDS)  # it exits once its server died, without saving
    failed = wait_for_status(restarted.board, dead.job_id, FAILED, SAFETY_NET_SECONDS)  # no heartbeat for 3 s
    assert "stopped responding" in failed.message
    wait_for_status(restarted.board, waiting.job_id, RUNNING, SAFETY_NET_SECONDS)  # its slot is free again
    restarted.cancel(waiting.job_id)
    assert restarted.wait(SAFETY_NET_SECONDS, waiting.job_id).status == CANCELLED
    restarted.shutdown()
    assert files_in(models_dir) == BUNDLED_MODEL_FILES


def test_a_worker_whose_server_cannot_stop_it_keeps_the_time_limit_itself(models_dir, board_file):
    server, worker_pid = start_server(models_dir, max_seconds=2, wait="no", board_file=board_file)
    server.send_signal(signal.SIGSTOP)  # the server's own time limit cannot act now
    try:
        wait_until_gone(worker_pid, timeout=2 + TIME_LIMIT_GRACE_SECONDS + 20)
    finally:
        server.send_signal(signal.SIGKILL)
        server.wait(timeout=30)
    assert files_in(models_dir) == BUNDLED_MODEL_FILES
