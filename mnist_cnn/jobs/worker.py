"""The worker process of a background job: its reporter to the server, its priority, its limits and its run."""

import os
import time
from dataclasses import dataclass
from pathlib import Path

from mnist_cnn.jobs.guard import WorkerWatchdog

BATCH_MESSAGE_SECONDS = 0.1     # the worker reports batch progress at most this often


class WorkerReporter:
    """The worker's side of the job: phases, progress and results go to the server through a queue."""

    def __init__(self, messages, cancel_event, saving_event):
        self.messages = messages
        self.cancel_event = cancel_event
        self.saving_event = saving_event
        self.last_batch_message = 0.0

    def phase(self, name: str) -> None:
        """Report a new phase ("loading data", "training", "evaluating", ...); stop here if cancelled."""
        self.raise_if_cancelled()
        self.messages.put(("phase", name))

    def raise_if_cancelled(self) -> None:
        """Raise TrainingCancelled when the server asked to cancel."""
        from mnist_cnn.training.fit import TrainingCancelled

        if self.cancel_event.is_set():
            raise TrainingCancelled("Training was cancelled; nothing was saved.")

    def on_batch(self, epoch: int, batch: int, batches: int, logs: dict) -> None:
        """Send batch progress, at most every BATCH_MESSAGE_SECONDS and always at an epoch's end."""
        now = time.monotonic()
        if batch < batches and now - self.last_batch_message < BATCH_MESSAGE_SECONDS:
            return
        self.last_batch_message = now
        metrics = {name: float(logs[name]) for name in ("loss", "accuracy") if name in logs}
        self.messages.put(("batch", epoch, batch, batches, metrics))

    def on_epoch(self, epoch: int, logs: dict) -> None:
        """Send an epoch's metrics (training and validation)."""
        self.messages.put(("epoch", epoch, {name: float(value) for name, value in logs.items()}))

    def training_progress(self):
        """A TrainingProgress that reports to the server."""
        from mnist_cnn.training.fit import TrainingProgress

        return TrainingProgress(on_batch=self.on_batch, on_epoch=self.on_epoch)

    def make_saver(self, store):
        """A store.save that refuses once cancelled; once saving has begun the server never kills the worker."""
        def save(model, metadata: dict, name: str, **options):
            self.saving_event.set()
            if self.cancel_event.is_set():
                self.saving_event.clear()
                self.raise_if_cancelled()
            self.messages.put(("phase", "saving"))
            return store.save(model, metadata, name, **options)

        return save

    def training_hooks(self, store, **options):
        """TrainingHooks for train_and_save: this job's progress, cancel, phases and saving guard, plus options."""
        from mnist_cnn.training.run import TrainingHooks

        return TrainingHooks(progress=self.training_progress(), cancel_event=self.cancel_event,
                             on_phase=self.phase, save=self.make_saver(store), **options)


@dataclass(frozen=True)
class WorkerLimits:
    """What ties a worker to its server: the server's pid, the job's time limit and the store's lock."""

    parent_pid: int
    max_seconds: float
    store_lock: object       # the lock file, held (inherited) by the worker until it exits (or ServerHeldLock)
    job_id: str = ""         # names the worker's temporary files in the store (.tmp-job-<id>-…)


def job_temporary_tag(job_id: str) -> str:
    """The tag of a job's temporary files in the store: .tmp-job-<id>-…"""
    return f"job-{job_id}"


def lower_worker_priority() -> None:
    """Let training use only CPU time the server leaves idle: SCHED_IDLE where Linux offers it, else nice 10.

    Called before TensorFlow starts its threads, which inherit the policy. Under nice 10 alone a class of 60
    drawing while a job trained waited 3x longer than without the job (benchmarks/bench_classroom.py).
    """
    try:
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
    except (AttributeError, OSError):  # not Linux, or not allowed
        try:
            os.nice(10)
        except OSError:
            pass


def run_worker(work, spec, models_dir: str, messages, cancel_event, saving_event, limits: WorkerLimits) -> None:
    """The worker process: watch the server and the clock, lower its priority, do the work, report the end.

    work is a function of jobs.work.WORK_KINDS (pickled by name under "spawn"): work(spec, store, reporter) -> outcome.
    """
    WorkerWatchdog(limits.parent_pid, limits.max_seconds, cancel_event, saving_event).start()
    lower_worker_priority()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    reporter = WorkerReporter(messages, cancel_event, saving_event)
    try:
        from mnist_cnn.store.files import tag_temporary_files
        from mnist_cnn.store.model_store import ModelStore
        from mnist_cnn.training.fit import TrainingCancelled

        tag_temporary_files(job_temporary_tag(limits.job_id))

        reporter.phase("starting TensorFlow")
        outcome = work(spec, ModelStore(Path(models_dir)), reporter)
        messages.put(("finished", outcome))
    except TrainingCancelled:
        messages.put(("cancelled", "Cancelled; nothing was saved."))
    except Exception as error:  # reported to the UI as the job's failure
        messages.put(("failed", f"{type(error).__name__}: {str(error)[:500]}"))
