"""The training worker dies with its server, keeps its own time limit, and one job runs per model store."""

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from mnist_cnn.jobs.guard import (PARENT_GONE_EXIT_CODE, TIME_LIMIT_EXIT_CODE, TIME_LIMIT_GRACE_SECONDS, StoreLock,
                                  StoreLockedError, WorkerWatchdog, is_store_locked)
from mnist_cnn.jobs.manager import CANCELLED, JobBusyError, JobManager
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
    manager = JobManager(models_dir=Path(sys.argv[1]))
    manager.start(JobSpec(TrainingSettings(architecture="keras_example", epochs=30, batch_size=32,
                                           train_subset=20_000)))
    print(manager.job.process.pid, flush=True)
    while sys.argv[3] == "wait-for-training" and manager.current().is_running and manager.current().batch == 0:
        time.sleep(0.05)
    print(manager.current().phase, flush=True)
    time.sleep(600)
""")


@pytest.fixture
def models_dir(tmp_path):
    """A private store holding a copy of the bundled default model."""
    return copy_bundled_models(tmp_path / "models")


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


def wait_until_unlocked(models_dir: Path, timeout: float) -> None:
    """Wait until no process holds the store's lock; AssertionError after timeout."""
    deadline = time.monotonic() + timeout
    while is_store_locked(models_dir):
        assert time.monotonic() < deadline, "the store is still locked"
        time.sleep(0.1)


def start_server(models_dir: Path, max_seconds: float, wait: str):
    """The server stand-in and its worker's pid."""
    server = subprocess.Popen([sys.executable, "-c", SERVER_SCRIPT, str(models_dir), str(max_seconds), wait],
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


def test_the_store_lock_is_exclusive_until_released(tmp_path):
    held = StoreLock.acquire(tmp_path)
    assert is_store_locked(tmp_path)
    with pytest.raises(StoreLockedError, match="Another training job"):
        StoreLock.acquire(tmp_path)
    held.close()
    assert not is_store_locked(tmp_path)


def test_two_job_managers_on_one_store_run_one_job(models_dir):
    first, second = JobManager(models_dir=models_dir), JobManager(models_dir=models_dir)
    first.start(TINY_SPEC)
    with pytest.raises(JobBusyError, match="Another training job is running on this model store"):
        second.start(TINY_SPEC)
    assert second.current() is None
    first.cancel()
    assert first.wait(10).status == CANCELLED
    second.start(TINY_SPEC)  # once the first worker has exited, the store is free
    second.cancel()
    assert second.wait(10).status == CANCELLED


def test_a_killed_server_takes_its_worker_along_and_nothing_is_saved(models_dir):
    server, worker_pid = start_server(models_dir, max_seconds=1800, wait="wait-for-training")
    try:
        assert server.stdout.readline().strip() == "training"
        with pytest.raises(JobBusyError, match="Another training job"):  # a restarted server is refused
            JobManager(models_dir=models_dir).start(TINY_SPEC)
    finally:
        server.send_signal(signal.SIGKILL)
        server.wait(timeout=30)
    wait_until_gone(worker_pid, timeout=SAFETY_NET_SECONDS)  # it exits once its server died, without saving
    wait_until_unlocked(models_dir, timeout=SAFETY_NET_SECONDS)  # its last threads are gone too
    assert files_in(models_dir) == BUNDLED_MODEL_FILES


def test_a_worker_whose_server_cannot_stop_it_keeps_the_time_limit_itself(models_dir):
    server, worker_pid = start_server(models_dir, max_seconds=2, wait="no")
    server.send_signal(signal.SIGSTOP)  # the server's own time limit cannot act now
    try:
        wait_until_gone(worker_pid, timeout=2 + TIME_LIMIT_GRACE_SECONDS + 20)
    finally:
        server.send_signal(signal.SIGKILL)
        server.wait(timeout=30)
    wait_until_unlocked(models_dir, timeout=5)
    assert files_in(models_dir) == BUNDLED_MODEL_FILES
