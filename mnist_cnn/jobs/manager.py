"""The server's side of background jobs, over the job board: start (queue) a job, read the session's job and the
class's queue, cancel, wait; a dispatcher thread per server process runs queued jobs in up to JOB_SLOTS slots."""

import threading
import time
from pathlib import Path

from mnist_cnn import config
from mnist_cnn.jobs.board import JobBoard, QueueLimitError
from mnist_cnn.jobs.dispatcher import Dispatcher
from mnist_cnn.jobs.engines import (CANCEL_GRACE_SECONDS, STALE_TEMPORARY_SECONDS, chosen_engine_name, make_engines,
                                    main_module_hidden, remove_temporary_files)
from mnist_cnn.jobs.spec import CANCELLED, FAILED, FINISHED, QUEUED, RUNNING, JobSnapshot, JobSpec

__all__ = ["CANCELLED", "CANCEL_GRACE_SECONDS", "FAILED", "FINISHED", "QUEUED", "RUNNING", "STALE_TEMPORARY_SECONDS",
           "JobBusyError", "JobManager", "JobSnapshot", "JobSpec", "QueueLimitError", "get_job_manager",
           "main_module_hidden", "remove_temporary_files"]


# The one-job server's name for a refused start, kept for its callers: now a start is refused only past the queue's
# limit per session.
JobBusyError = QueueLimitError


def pick_current(jobs: list[JobSnapshot]) -> JobSnapshot | None:
    """The job to show: a running one (the oldest), else a queued one (the next), else the latest ended."""
    for wanted in (RUNNING, QUEUED):
        found = [job for job in jobs if job.status == wanted]
        if found:
            return found[0]
    return jobs[0] if jobs else None


class JobManager:
    """One per server process: a facade over the job board and this process's dispatcher (safe from any thread)."""

    def __init__(self, models_dir: Path | None = None, start_method: str = "spawn", board_location=None,
                 slots: int | None = None):
        self.models_dir, self.start_method = models_dir, start_method
        self.board_location, self.slots = board_location, slots
        self.lock = threading.Lock()
        self.started_ids: list[str] = []
        self._board: JobBoard | None = None
        self._dispatcher: Dispatcher | None = None

    @property
    def board(self) -> JobBoard:
        """The job board (the app's database unless a location was given), opened on first use."""
        with self.lock:
            if self._board is None:
                self._board = JobBoard(self.board_location)
            return self._board

    @property
    def dispatcher(self) -> Dispatcher:
        """This process's dispatcher, made on first use."""
        board = self.board
        with self.lock:
            if self._dispatcher is None:
                models_dir = Path(self.models_dir or config.MODELS_DIR)
                models_dir.mkdir(parents=True, exist_ok=True)
                self._dispatcher = Dispatcher(board, make_engines(models_dir, board.location, self.start_method),
                                              self.slots)
            return self._dispatcher

    def ensure_dispatching(self, forever: bool = True) -> None:
        """Start this process's dispatcher thread if it is not running: for the process's life (every server runs
        one, so queued jobs start and dead servers' jobs fail whichever replica is left), or (forever=False, what a
        start outside a server needs) until the board has no job waiting or running."""
        self.dispatcher.start(forever)

    def start(self, spec: JobSpec, owner: str = "", resources: dict | None = None) -> JobSnapshot:
        """Queue a job (it starts at once when a slot is free); its snapshot. resources: what it asks of the node
        that runs it ({"gpu": 1}: a GPU node of the Ray cluster). ValueError for bad settings, StoreFullError for a
        full store, QueueLimitError when owner has too many jobs queued or running."""
        from mnist_cnn.store.model_store import ModelStore

        spec.validate()
        models_dir = Path(self.models_dir or config.MODELS_DIR)
        models_dir.mkdir(parents=True, exist_ok=True)
        ModelStore(models_dir).check_room()  # refused now with its message, rather than failed later
        job_id = self.board.submit(spec, owner, engine=chosen_engine_name(), resources=resources)
        self.started_ids.append(job_id)
        self.dispatcher.launch_queued()  # a free slot: it starts now
        self.ensure_dispatching(forever=False)
        return self.board.get(job_id)

    def get(self, job_id: str) -> JobSnapshot | None:
        """A job's snapshot from the board."""
        return self.board.get(job_id)

    def list_jobs(self, owner: str | None = None) -> list[JobSnapshot]:
        """The class's queue: running and queued jobs (with positions and estimated starts), then recently ended."""
        return self.board.list_jobs(owner=owner, slots=self.slots)

    def current(self, owner: str | None = None) -> JobSnapshot | None:
        """The job to show: owner's (running, queued or latest ended) if owner has one, else the latest job this
        manager started, else the class's running (or next queued, or latest ended) job; None if there is none."""
        jobs = self.list_jobs()
        if owner:
            mine = pick_current([job for job in jobs if job.owner == owner])
            if mine is not None:
                return mine
        if owner is None and self.started_ids:
            return self.board.get(self.started_ids[-1])
        return pick_current(jobs)

    def cancel(self, job_id: str | None = None, reason: str = "Cancelled; nothing was saved.") -> bool:
        """Cancel a queued job, or ask a running one to stop (job_id, or current()); True if it was asked."""
        job = self.board.get(job_id) if job_id is not None else self.current()
        if job is None or not self.board.request_cancel(job.job_id, reason):
            return False
        engine = self.dispatcher.engines.get(job.engine)
        if job.is_running and engine is not None and (job.runner == self.dispatcher.runner
                                                      or not engine.tied_to_runner):
            engine.stop(self.board.get(job.job_id))  # at once, rather than at the dispatcher's next round
        return True

    def wait(self, timeout: float, job_id: str | None = None) -> JobSnapshot | None:
        """Wait up to timeout seconds for the job (or the current one) to end; its snapshot."""
        if job_id is None:
            current = self.current()
            job_id = current.job_id if current else None
        deadline = time.monotonic() + timeout
        while job_id is not None and time.monotonic() < deadline:
            snapshot = self.board.get(job_id)
            if snapshot is None or not snapshot.is_active:
                return snapshot
            time.sleep(0.1)
        return self.board.get(job_id) if job_id else None

    def process_of(self, job_id: str):
        """The local worker process of a job this server launched (None otherwise)."""
        return self.dispatcher.engines["local"].process_of(job_id)

    def shutdown(self) -> None:
        """Stop this manager's dispatcher thread (tests; a server's runs as long as the process)."""
        if self._dispatcher is not None:
            self._dispatcher.stop()


# The server's one job manager, shared by every browser session.
JOB_MANAGER = JobManager()


def get_job_manager() -> JobManager:
    """The process-wide job manager."""
    return JOB_MANAGER
