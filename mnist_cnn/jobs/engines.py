"""Where claimed jobs run: the engine interface (launch, poll, stop), the local engine (a spawned worker process of
this server running run_job_from_board on idle CPU), and the choice of engine (MNIST_CNN_RAY_ADDRESS: Ray)."""

import contextlib
import multiprocessing
import os
import sys
import threading
import time
import types
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from mnist_cnn import config
from mnist_cnn.jobs.spec import JobSnapshot
from mnist_cnn.jobs.work import WORK_KINDS
from mnist_cnn.jobs.worker import job_temporary_tag

# The environment variable that sends jobs to a Ray cluster (helper module mnist_cnn/jobs/ray_engine.py).
RAY_ADDRESS_VARIABLE = "MNIST_CNN_RAY_ADDRESS"
CANCEL_GRACE_SECONDS = 1.0      # after Cancel, a worker that has not stopped by itself is terminated
STALE_TEMPORARY_SECONDS = 300   # leftover .tmp-* files in the store older than this are removed on launch
# Exit codes of a worker whose own guards ended it (jobs/guard.py): its server died, or its time was up.
GUARD_EXIT_REASONS = {70: "its server stopped", 71: "it outlived the job time limit"}


class JobEngine(Protocol):
    """What runs claimed jobs. The dispatcher calls launch once per claimed job, then poll (and stop, once Cancel
    was asked) every second, from the server that claimed it (tied_to_runner) or from any server."""

    name: str
    tied_to_runner: bool     # True: only the claiming server can poll or stop its jobs (local processes)
    keeps_heartbeat: bool    # True: the claiming server heartbeats the job while poll says it runs

    def launch(self, job: JobSnapshot) -> None:
        """Start running a claimed job (run_job_from_board); raise to fail it with the error's message."""

    def poll(self, job: JobSnapshot) -> str | None:
        """None while the job runs (or its state is unknown); once it ended without marking its end on the board,
        the reason (the dispatcher marks it failed, or cancelled if Cancel was asked)."""

    def stop(self, job: JobSnapshot) -> None:
        """Cancel was asked: make the job stop (called every second until it has ended)."""


def remove_temporary_files(directory: Path, older_than: float | None = None, tag: str | None = None):
    """Remove the store's .tmp-* files left by interrupted saves: those older than `older_than`, or one tag's."""
    pattern = f".tmp-{tag}-*" if tag else ".tmp-*"
    for path in Path(directory).glob(pattern):
        try:
            if older_than is None or path.stat().st_mtime < older_than:
                path.unlink()
        except OSError:
            pass


@contextlib.contextmanager
def main_module_hidden():
    """Keep "spawn" from re-running the parent's __main__ in the worker.

    Streamlit makes the running page script (app.py) the __main__ module, and spawn would run it again in the
    child, in bare mode. A bare module without a file gives spawn nothing to re-run.
    """
    original = sys.modules.get("__main__")
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        sys.modules["__main__"] = original


def run_local_worker(job_id: str, models_dir: str, location: str, parent_pid: int, cancel_event, saving_event,
                     work, max_seconds: float) -> None:
    """The local worker process: run_job_from_board on idle CPU, ending with its server (spawn's target)."""
    from mnist_cnn.jobs.board_runner import run_job_from_board

    run_job_from_board(job_id, models_dir, location, lower_priority=True, parent_pid=parent_pid,
                       cancel_event=cancel_event, saving_event=saving_event, work=work, max_seconds=max_seconds)


@dataclass
class LocalWorker:
    """One job's worker process and the events it shares with the server."""

    process: object
    cancel_event: object
    saving_event: object
    stop_asked_at: float | None = None
    killed: bool = False


class LocalEngine:
    """Runs each claimed job in a spawned worker process of this server (on idle CPU, dying with the server)."""

    name = "local"
    tied_to_runner = True
    keeps_heartbeat = True  # the worker runs on idle CPU and may be starved: its server vouches for it

    def __init__(self, models_dir: Path, location, start_method: str = "spawn"):
        self.models_dir, self.location = Path(models_dir), location
        self.context = multiprocessing.get_context(start_method)
        self.workers: dict[str, LocalWorker] = {}
        self.lock = threading.Lock()

    def launch(self, job: JobSnapshot) -> None:
        """Clean the store, check it has room (StoreFullError), and start the job's worker process."""
        from mnist_cnn.store.model_store import ModelStore

        store = ModelStore(self.models_dir)
        store.remove_leftovers(STALE_TEMPORARY_SECONDS)
        store.check_room()  # old models are never deleted to make room
        cancel_event, saving_event = self.context.Event(), self.context.Event()
        process = self.context.Process(
            target=run_local_worker, name=f"training-{job.job_id}", daemon=True,
            args=(job.job_id, str(self.models_dir), str(self.location), os.getpid(), cancel_event, saving_event,
                  WORK_KINDS[job.spec.kind], config.MAX_JOB_SECONDS))
        with main_module_hidden():
            process.start()
        with self.lock:
            self.workers[job.job_id] = LocalWorker(process, cancel_event, saving_event)

    def process_of(self, job_id: str):
        """The worker process of a job this engine launched (None if it launched none)."""
        worker = self.workers.get(job_id)
        return worker.process if worker else None

    def poll(self, job: JobSnapshot) -> str | None:
        """None while the worker lives; once it exited, why (its temporary files removed if it was killed)."""
        worker = self.workers.get(job.job_id)
        if worker is None:
            return "The server that ran it has no worker for it (it restarted); nothing was saved."
        if worker.process.is_alive():
            return None
        exit_code = worker.process.exitcode
        if worker.killed or (exit_code or 0) != 0:
            remove_temporary_files(self.models_dir, tag=job_temporary_tag(job.job_id))  # its own files only
        if exit_code in GUARD_EXIT_REASONS:
            return f"The training process stopped: {GUARD_EXIT_REASONS[exit_code]}; nothing was saved."
        return f"The training process stopped unexpectedly (exit code {exit_code}); nothing was saved."

    def stop(self, job: JobSnapshot) -> None:
        """Tell the worker at once; terminate it after CANCEL_GRACE_SECONDS unless it is saving."""
        worker = self.workers.get(job.job_id)
        if worker is None or not worker.process.is_alive():
            return
        worker.cancel_event.set()
        now = time.monotonic()
        worker.stop_asked_at = worker.stop_asked_at or now
        if now - worker.stop_asked_at > CANCEL_GRACE_SECONDS and not worker.saving_event.is_set():
            worker.process.terminate()  # it did not stop between batches (importing, validating, ...)
            worker.killed = True

    def is_running(self, job_id: str) -> bool:
        """Whether this engine's worker for the job is alive."""
        worker = self.workers.get(job_id)
        return worker is not None and worker.process.is_alive()


def chosen_engine_name() -> str:
    """The engine new jobs go to: "ray" when MNIST_CNN_RAY_ADDRESS is set, else "local"."""
    return "ray" if os.environ.get(RAY_ADDRESS_VARIABLE) else "local"


def make_engines(models_dir: Path, location, start_method: str = "spawn") -> dict:
    """The engines this server dispatches to, by name: always the local one, Ray's when configured."""
    engines = {"local": LocalEngine(models_dir, location, start_method)}
    if chosen_engine_name() == "ray":
        from mnist_cnn.jobs.ray_engine import RayEngine  # written by helper "rayjobs"

        engines["ray"] = RayEngine(models_dir, location)
    return engines
