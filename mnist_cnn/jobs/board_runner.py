"""Run one claimed job of the job board in this process: its work, progress and heartbeats to the board, Cancel
from the board, the saved model through the store, and its end on the board.

`python -m mnist_cnn.jobs.board_runner JOB_ID --models DIR [--database URL]` runs it (Ray's entrypoint); the local
engine runs run_job_from_board in a spawned worker process of the server.
"""

import argparse
import os
import sys
import threading
import time
from pathlib import Path

from mnist_cnn import config
from mnist_cnn.jobs.board import EMPTY_PROGRESS, JobBoard
from mnist_cnn.jobs.spec import CANCELLED, FAILED, FINISHED, RUNNING
from mnist_cnn.jobs.work import WORK_KINDS

PROGRESS_WRITE_SECONDS = 0.25   # batch progress goes to the board at most this often (and at every epoch's end)
WATCH_SECONDS = 0.25            # how often the runner looks for Cancel on the board
MAX_TRACE_POINTS = 600          # the live per-batch curve keeps at most this many points
TIME_LIMIT_MESSAGE = "Stopped after the server's limit of {minutes} minutes; nothing was saved."


class JobCancelled(Exception):
    """Raised by the reporter when the job was asked to stop (TensorFlow's TrainingCancelled, without importing it)."""


def is_cancellation(error: Exception) -> bool:
    """Whether an exception ended the work because it was cancelled (ours, or training's TrainingCancelled)."""
    fit = sys.modules.get("mnist_cnn.training.fit")  # only imported when the work trained
    return isinstance(error, JobCancelled) or (fit is not None and isinstance(error, fit.TrainingCancelled))


class BoardReporter:
    """The work's reporter (phases, batches, epochs, saving) writing to the board, throttled."""

    def __init__(self, board: JobBoard, job_id: str, cancel_event, saving_event):
        self.board, self.job_id = board, job_id
        self.cancel_event, self.saving_event = cancel_event, saving_event
        self.progress = {**EMPTY_PROGRESS, "history": {}, "batch_trace": []}
        self.training_started_at: float | None = None
        self.last_write = 0.0

    def write(self, **fields) -> None:
        """Write to the board; a job the board no longer has running stops here (at its next check)."""
        if not self.board.report(self.job_id, **fields):
            self.cancel_event.set()

    def raise_if_cancelled(self) -> None:
        """Raise JobCancelled when the job was asked to stop."""
        if self.cancel_event.is_set():
            raise JobCancelled("Training was cancelled; nothing was saved.")

    def phase(self, name: str) -> None:
        """Report a new phase ("loading data", "training", "evaluating", ...); stop here if cancelled."""
        self.raise_if_cancelled()
        self.write(phase=name)

    def on_batch(self, epoch: int, batch: int, batches: int, logs: dict) -> None:
        """Note batch progress; write it (with a point of the live curve) at most every PROGRESS_WRITE_SECONDS
        and always at an epoch's end."""
        now = time.monotonic()
        if self.training_started_at is None:
            self.training_started_at = time.time()
        self.progress.update(epoch=epoch, batch=batch, batches_per_epoch=batches)
        if batch < batches and now - self.last_write < PROGRESS_WRITE_SECONDS:
            return
        self.last_write = now
        metrics = {name: float(logs[name]) for name in ("loss", "accuracy") if name in logs}
        trace = self.progress["batch_trace"]
        trace.append({"epoch": epoch - 1 + batch / batches, **metrics})
        if len(trace) > MAX_TRACE_POINTS:
            self.progress["batch_trace"] = trace[::2]  # keep the whole run, at half the resolution
        self.write(progress=self.progress, training_started_at=self.training_started_at)

    def on_epoch(self, epoch: int, logs: dict) -> None:
        """Write an epoch's metrics (training and validation)."""
        for name, value in logs.items():
            self.progress["history"].setdefault(name, []).append(float(value))
        self.write(progress=self.progress)

    def training_progress(self):
        """A TrainingProgress that reports to the board."""
        from mnist_cnn.training.fit import TrainingProgress

        return TrainingProgress(on_batch=self.on_batch, on_epoch=self.on_epoch)

    def make_saver(self, store):
        """A store.save that refuses once cancelled; once saving has begun the job is never killed."""
        def save(model, metadata: dict, name: str, **options):
            self.saving_event.set()
            if self.cancel_event.is_set():
                self.saving_event.clear()
                self.raise_if_cancelled()
            self.write(phase="saving")
            return store.save(model, metadata, name, **options)

        return save

    def training_hooks(self, store, **options):
        """TrainingHooks for train_and_save: this job's progress, cancel, phases and saving guard, plus options."""
        from mnist_cnn.training.run import TrainingHooks

        return TrainingHooks(progress=self.training_progress(), cancel_event=self.cancel_event,
                             on_phase=self.phase, save=self.make_saver(store), **options)


class StoreOnDemand:
    """The model store, opened (Keras imported) only when the work first uses it; its folder is known at once."""

    def __init__(self, directory):
        self.directory, self.store = Path(directory), None

    def __getattr__(self, name: str):
        if self.store is None:
            from mnist_cnn.store.model_store import ModelStore

            self.store = ModelStore(self.directory)
        return getattr(self.store, name)


class BoardWatcher:
    """A thread that heartbeats the job and turns a cancel on the board (or the time limit) into cancel_event."""

    def __init__(self, board: JobBoard, job_id: str, cancel_event, max_seconds: float):
        self.board, self.job_id, self.cancel_event, self.max_seconds = board, job_id, cancel_event, max_seconds
        self.started, self.stopped = time.monotonic(), threading.Event()

    def check(self) -> None:
        """One look: past the time limit ask the board to cancel; stop when the board says so; heartbeat."""
        if time.monotonic() - self.started > self.max_seconds:
            self.board.request_cancel(self.job_id, TIME_LIMIT_MESSAGE.format(minutes=int(self.max_seconds // 60)))
        if self.board.is_cancel_requested(self.job_id):
            self.cancel_event.set()
        else:
            self.board.heartbeat(self.job_id)

    def run(self) -> None:
        """Check every WATCH_SECONDS until stopped (a database hiccup is tried again at the next check)."""
        while not self.stopped.wait(WATCH_SECONDS):
            try:
                self.check()
            except Exception:  # noqa: BLE001 (the board is retried; the server's heartbeat covers a local job)
                pass

    def start(self) -> "BoardWatcher":
        """Run the checks in a daemon thread."""
        threading.Thread(target=self.run, name=f"board-watcher-{self.job_id}", daemon=True).start()
        return self


def run_claimed_work(job, work, models_dir: Path, reporter: BoardReporter) -> tuple[str, str, dict]:
    """Do the job's work; its end: (status, message, outcome)."""
    from mnist_cnn.jobs.worker import job_temporary_tag
    from mnist_cnn.store.files import tag_temporary_files

    try:
        tag_temporary_files(job_temporary_tag(job.job_id))
        reporter.phase("starting TensorFlow")
        return FINISHED, "", work(job.spec, StoreOnDemand(models_dir), reporter)
    except Exception as error:  # reported to the UI as the job's failure (or its cancellation)
        if is_cancellation(error):
            return CANCELLED, "Cancelled; nothing was saved.", {}
        return FAILED, f"{type(error).__name__}: {str(error)[:500]}", {}


def run_job_from_board(job_id: str, models_dir, location=None, lower_priority: bool = True, parent_pid=None,
                       cancel_event=None, saving_event=None, work=None, max_seconds: float | None = None) -> str:
    """Run one claimed (running) job in this process and mark its end on the board; its final status.

    parent_pid: end this process if that process (the server) dies; cancel_event/saving_event: events the local
    engine shares with the server (Cancel at once, and no kill while saving); work: the kind's work function as the
    server found it (default: WORK_KINDS[kind] here); max_seconds: the time limit (default config.MAX_JOB_SECONDS).
    """
    max_seconds = max_seconds or config.MAX_JOB_SECONDS
    board = JobBoard(location)
    job = board.get(job_id)
    if job is None:
        raise ValueError(f"No job {job_id!r} on the job board.")
    if job.status != RUNNING:
        return job.status  # never run a job twice, nor one that was not claimed
    cancel_event = cancel_event or threading.Event()
    saving_event = saving_event or threading.Event()
    if parent_pid is not None:
        from mnist_cnn.jobs.guard import WorkerWatchdog

        WorkerWatchdog(parent_pid, max_seconds, cancel_event, saving_event).start()
    if lower_priority:
        from mnist_cnn.jobs.worker import lower_worker_priority

        lower_worker_priority()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    watcher = BoardWatcher(board, job_id, cancel_event, max_seconds).start()
    reporter = BoardReporter(board, job_id, cancel_event, saving_event)
    try:
        status, message, outcome = run_claimed_work(job, work or WORK_KINDS[job.spec.kind], models_dir, reporter)
    finally:
        watcher.stopped.set()
    board.mark_ended(job_id, status, message, outcome, progress=reporter.progress)
    return board.get(job_id).status


def main(arguments=None) -> int:
    """The command line: run one claimed job; exit 0 unless it failed."""
    parser = argparse.ArgumentParser(description="Run one claimed job of the job board in this process.")
    parser.add_argument("job_id")
    parser.add_argument("--models", required=True, help="the model store's folder (shared by every replica)")
    parser.add_argument("--database", default=None, help="the database URL (default: MNIST_CNN_DATABASE_URL)")
    parser.add_argument("--normal-priority", action="store_true", help="do not lower this process's priority")
    options = parser.parse_args(arguments)
    status = run_job_from_board(options.job_id, options.models, options.database,
                                lower_priority=not options.normal_priority)
    print(f"job {options.job_id}: {status}", flush=True)
    return 1 if status == FAILED else 0


if __name__ == "__main__":
    raise SystemExit(main())
