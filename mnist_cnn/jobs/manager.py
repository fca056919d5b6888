"""The server's side of background jobs: one job at a time, its worker process, live progress, cancel, time limit."""

import contextlib
import multiprocessing
import os
import queue
import sys
import threading
import time
import types
import uuid
from pathlib import Path

from mnist_cnn import config
from mnist_cnn.jobs.guard import StoreLock, StoreLockedError, acquire_job_lock
from mnist_cnn.jobs.work import WORK_KINDS
from mnist_cnn.jobs.worker import WorkerLimits, job_temporary_tag, run_worker
from mnist_cnn.jobs.spec import CANCELLED, FAILED, FINISHED, RUNNING, JobSnapshot, JobSpec

CANCEL_GRACE_SECONDS = 1.0      # after Cancel, a worker that has not stopped by itself is terminated
MAX_TRACE_POINTS = 600          # the live per-batch curve keeps at most this many points
STALE_TEMPORARY_SECONDS = 300   # leftover .tmp-* files in the store older than this are removed on start
WORKER_EXIT_SECONDS = 15        # a new job waits this long for the last job's worker to exit (and unlock)


class JobBusyError(RuntimeError):
    """A training job is already running on this server; only one may run at a time."""


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


class Job:
    """The server's record of one job; its fields change only under the manager's lock."""

    def __init__(self, spec: JobSpec, models_dir: Path):
        self.job_id = uuid.uuid4().hex[:12]
        self.spec = spec
        self.models_dir = models_dir
        self.status, self.phase, self.message = RUNNING, "starting", ""
        self.epoch = self.batch = self.batches_per_epoch = 0
        self.history: dict = {}
        self.batch_trace: list = []
        self.started_at, self.started_monotonic = time.time(), time.monotonic()
        self.training_started: float | None = None
        self.finished_monotonic: float | None = None
        self.cancel_requested_at: float | None = None
        self.outcome: dict = {}
        self.process = self.messages = self.cancel_event = self.saving_event = None

    def estimate_seconds_left(self, now: float) -> float | None:
        """Seconds of training left, from the pace so far."""
        total = self.spec.settings.epochs * self.batches_per_epoch
        done = (self.epoch - 1) * self.batches_per_epoch + self.batch if self.epoch else 0
        if self.training_started is None or not total or done <= 0:
            return None
        return max((now - self.training_started) * (total - done) / done, 0.0)

    def snapshot(self) -> JobSnapshot:
        """A frozen copy of the job's state."""
        now = time.monotonic()
        end = self.finished_monotonic or now
        return JobSnapshot(
            job_id=self.job_id, spec=self.spec, status=self.status, phase=self.phase, epoch=self.epoch,
            batch=self.batch, batches_per_epoch=self.batches_per_epoch,
            history={name: list(values) for name, values in self.history.items()},
            batch_trace=list(self.batch_trace), started_at=self.started_at,
            elapsed_seconds=end - self.started_monotonic,
            eta_seconds=self.estimate_seconds_left(now) if self.status == RUNNING else None,
            cancel_requested=self.cancel_requested_at is not None,
            result_model_name=self.outcome.get("model_name"), test_accuracy=self.outcome.get("test_accuracy"),
            test_loss=self.outcome.get("test_loss"), message=self.message)


class JobManager:
    """Runs at most one job at a time; start(), current() and cancel() are safe from any thread."""

    def __init__(self, models_dir: Path | None = None, start_method: str = "spawn"):
        self.models_dir = models_dir
        self.context = multiprocessing.get_context(start_method)
        self.lock = threading.Lock()
        self.job: Job | None = None

    def start(self, spec: JobSpec) -> JobSnapshot:
        """Start a job, or raise JobBusyError if one is running (one atomic check-and-set)."""
        spec.validate()
        previous = self.job
        if previous is not None and previous.status != RUNNING and previous.process is not None:
            previous.process.join(timeout=WORKER_EXIT_SECONDS)  # it has reported its end; let it release the lock
        with self.lock:
            if self.job is not None and self.job.status == RUNNING:
                raise JobBusyError("A training job is already running on this server; wait for it to "
                                   "finish or cancel it.")
            models_dir = Path(self.models_dir or config.MODELS_DIR)
            models_dir.mkdir(parents=True, exist_ok=True)
            try:
                store_lock = acquire_job_lock(models_dir)  # one job per model store, across servers and replicas
            except StoreLockedError as error:
                raise JobBusyError(str(error)) from None
            worker = None
            try:
                self.job = self.launch(spec, models_dir, store_lock)
                worker = self.job.process
            finally:
                store_lock.hand_over(worker)  # held from now on for as long as the worker lives
            job = self.job
            threading.Thread(target=self.monitor, args=(job,), name=f"monitor-{job.job_id}", daemon=True).start()
            return job.snapshot()

    def launch(self, spec: JobSpec, models_dir: Path, store_lock: StoreLock) -> Job:
        """Clean the store, check it has room, and start the worker process (called with the store locked)."""
        from mnist_cnn.store.model_store import ModelStore

        store = ModelStore(models_dir)
        store.remove_leftovers(STALE_TEMPORARY_SECONDS)
        store.check_room()  # StoreFullError: old models are never deleted to make room
        job = Job(spec, models_dir)
        job.messages = self.context.Queue()
        job.cancel_event, job.saving_event = self.context.Event(), self.context.Event()
        job.process = self.context.Process(
            target=run_worker, name=f"training-{job.job_id}", daemon=True,
            args=(WORK_KINDS[spec.kind], spec, str(models_dir), job.messages, job.cancel_event,
                  job.saving_event, WorkerLimits(os.getpid(), config.MAX_JOB_SECONDS, store_lock, job.job_id)))
        try:
            with main_module_hidden():
                job.process.start()
        except Exception as error:
            job.status, job.message = FAILED, f"The training process could not start: {error}"
            job.finished_monotonic = time.monotonic()
            self.job = job
            raise
        return job

    def current(self) -> JobSnapshot | None:
        """The running or last job's snapshot, or None if no job was started in this process."""
        with self.lock:
            return self.job.snapshot() if self.job is not None else None

    def cancel(self, job_id: str | None = None, reason: str = "Cancelled; nothing was saved.") -> bool:
        """Ask the running job (or job_id, if given) to stop; True if a running job was asked."""
        with self.lock:
            job = self.job
            if job is None or job.status != RUNNING or (job_id is not None and job.job_id != job_id):
                return False
            if job.cancel_requested_at is None:
                job.cancel_requested_at, job.message = time.monotonic(), reason
                job.cancel_event.set()
            return True

    def wait(self, timeout: float) -> JobSnapshot | None:
        """Wait up to timeout seconds for the current job to end; return its snapshot."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            snapshot = self.current()
            if snapshot is None or not snapshot.is_running:
                return snapshot
            time.sleep(0.1)
        return self.current()

    def apply_message(self, job: Job, message: tuple) -> bool:
        """Update the job from one worker message; True if the message ends the job."""
        kind = message[0]
        with self.lock:
            if kind == "phase":
                job.phase = message[1]
            elif kind == "batch":
                _, job.epoch, job.batch, job.batches_per_epoch, metrics = message
                job.training_started = job.training_started or time.monotonic()
                job.batch_trace.append({"epoch": job.epoch - 1 + job.batch / job.batches_per_epoch, **metrics})
                if len(job.batch_trace) > MAX_TRACE_POINTS:
                    job.batch_trace = job.batch_trace[::2]  # keep the whole run, at half the resolution
            elif kind == "epoch":
                for name, value in message[2].items():
                    job.history.setdefault(name, []).append(value)
            elif kind in ("finished", "cancelled", "failed"):
                job.status = {"finished": FINISHED, "cancelled": CANCELLED, "failed": FAILED}[kind]
                if kind == "finished":
                    job.outcome = message[1]
                    job.phase = "done"
                    if job.cancel_requested_at is not None:
                        job.message = "Cancel came too late: the model had already been saved."
                else:
                    job.message = job.message if kind == "cancelled" and job.message else message[1]
                job.finished_monotonic = time.monotonic()
                return True
        return False

    def monitor(self, job: Job) -> None:
        """Read the worker's messages until the job ends; terminate a worker that ignores Cancel."""
        ended, killed = False, False
        while not ended:
            try:
                ended = self.apply_message(job, job.messages.get(timeout=0.2))
                continue
            except queue.Empty:
                pass
            now = time.monotonic()
            if not job.process.is_alive():
                ended = self.drain_messages(job)
                if not ended:
                    self.end_without_report(job, killed)
                    ended = True
            elif (job.cancel_requested_at is not None and now - job.cancel_requested_at > CANCEL_GRACE_SECONDS
                  and not job.saving_event.is_set() and not killed):
                job.process.terminate()  # it did not stop between batches (importing, validating, ...)
                killed = True
            elif now - job.started_monotonic > config.MAX_JOB_SECONDS:
                self.cancel(job.job_id, f"Stopped after the server's limit of {config.MAX_JOB_SECONDS // 60} "
                                        "minutes; nothing was saved.")
        job.process.join(timeout=30)
        if job.process.is_alive():
            job.process.kill()
            job.process.join(timeout=10)
            killed = True
        if killed:
            remove_temporary_files(job.models_dir, tag=job_temporary_tag(job.job_id))  # its own files only

    def drain_messages(self, job: Job) -> bool:
        """Apply messages still in the queue after the worker exited; True if one ended the job."""
        while True:
            try:
                if self.apply_message(job, job.messages.get(timeout=0.5)):
                    return True
            except queue.Empty:
                return False

    def end_without_report(self, job: Job, killed: bool) -> None:
        """The worker exited without saying how it ended: cancelled if we stopped it, else failed."""
        with self.lock:
            if job.cancel_requested_at is not None:
                job.status = CANCELLED
            else:
                job.status = FAILED
                job.message = (f"The training process stopped unexpectedly (exit code {job.process.exitcode}); "
                               "nothing was saved.")
            job.finished_monotonic = time.monotonic()


# The server's one job manager, shared by every browser session.
JOB_MANAGER = JobManager()


def get_job_manager() -> JobManager:
    """The process-wide job manager."""
    return JOB_MANAGER
