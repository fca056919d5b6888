"""The dispatcher of one server process: once a second it fails stale jobs, keeps the time limit, heartbeats,
polls and stops the jobs it runs, and claims queued jobs for its engines while they have free slots."""

import logging
import os
import socket
import threading
import uuid

from mnist_cnn import config
from mnist_cnn.jobs.board import JobBoard
from mnist_cnn.jobs.spec import CANCELLED, FAILED, LaunchLaterError

DISPATCH_SECONDS = 1.0   # how often the dispatcher looks at the board
LAUNCH_WAIT_SECONDS = 5.0  # how long a start waits for a dispatcher round that is going before leaving it the job
TIME_LIMIT_MESSAGE = "Stopped after the server's limit of {minutes} minutes; nothing was saved."

_LOGGER = logging.getLogger(__name__)


def make_runner_name() -> str:
    """A name for this server process on the board: host, pid and a random part (unique per dispatcher)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class Dispatcher:
    """Moves jobs from the board's queue to engines and watches the ones this server runs."""

    def __init__(self, board: JobBoard, engines: dict, slots: int | None = None, runner: str | None = None):
        self.board, self.engines = board, engines
        self.slots = slots
        self.runner = runner or make_runner_name()
        self.lock = threading.Lock()
        self.thread: threading.Thread | None = None
        self.stopped = threading.Event()
        self.forever = False  # a server's dispatcher runs for the process's life; otherwise until the board is idle

    def watch_running(self) -> None:
        """The running jobs: keep the time limit; for this server's (or any, if its engine allows) heartbeat,
        poll for an unreported end, and pass on Cancel. A job whose engine fails is logged, the others go on."""
        for job in self.board.list_running():
            try:
                self.watch_job(job)
            except Exception:  # noqa: BLE001 (a cluster that answers oddly must not stall the whole queue)
                _LOGGER.exception("Watching job %s failed", job.job_id)

    def watch_job(self, job) -> None:
        """One running job: its time limit, its end as its engine reports it, Cancel passed on, its heartbeat."""
        if job.elapsed_seconds > config.MAX_JOB_SECONDS and not job.cancel_requested:
            self.board.request_cancel(job.job_id, TIME_LIMIT_MESSAGE.format(minutes=config.MAX_JOB_SECONDS // 60))
            job = self.board.get(job.job_id)
        engine = self.engines.get(job.engine)
        if engine is None or (engine.tied_to_runner and job.runner != self.runner):
            return
        reason = engine.poll(job)
        if reason is not None:
            self.board.mark_ended(job.job_id, CANCELLED if job.cancel_requested else FAILED, reason)
            return
        if job.cancel_requested:
            engine.stop(job)
        if engine.keeps_heartbeat:
            self.board.heartbeat(job.job_id)

    def claim_and_launch(self) -> None:
        """Claim queued jobs for each engine while it has a free slot, and launch them. A job its engine cannot take
        now goes back to the queue, in its place, and that engine gets no more this round."""
        for name, engine in self.engines.items():
            while (job := self.board.claim_next(name, self.runner, self.slots or config.JOB_SLOTS)) is not None:
                try:
                    engine.launch(job)
                except LaunchLaterError as error:
                    self.board.release(job.job_id, str(error))
                    break
                except Exception as error:  # noqa: BLE001 (a full store, a process that cannot start: its message)
                    self.board.mark_ended(job.job_id, FAILED, f"The training process could not start: {error}")

    def launch_queued(self) -> None:
        """What a start needs at once: fail stale jobs and launch queued ones in free slots, without polling the
        running ones (a slow cluster must not hold up the page). Waits at most LAUNCH_WAIT_SECONDS for a round that
        is going (the next round launches it then)."""
        if not self.lock.acquire(timeout=LAUNCH_WAIT_SECONDS):
            return
        try:
            self.board.fail_stale(config.JOB_STALE_SECONDS)
            self.claim_and_launch()
        finally:
            self.lock.release()

    def tick(self) -> None:
        """One round: fail stale jobs, watch the running ones, start queued ones (one round at a time)."""
        with self.lock:
            self.board.fail_stale(config.JOB_STALE_SECONDS)
            self.watch_running()
            self.claim_and_launch()

    def is_idle(self) -> bool:
        """Whether no job waits or runs on the board (a dispatcher that is not a server's may stop then)."""
        return not self.forever and self.board.count_active() == 0

    def run(self) -> None:
        """Tick every DISPATCH_SECONDS until stopped (or idle, unless forever); a failed round is logged."""
        while not self.stopped.wait(DISPATCH_SECONDS):
            try:
                self.tick()
                if self.is_idle():
                    with self.lock:
                        if self.is_idle():
                            self.thread = None
                            return
            except Exception:  # noqa: BLE001 (the database restarting: the next round tries again)
                _LOGGER.warning("The job dispatcher's round failed.", exc_info=True)

    def start(self, forever: bool = False) -> None:
        """Run the dispatcher in a daemon thread, if it is not running: for the process's life (forever, a
        server's) or until no job waits or runs."""
        with self.lock:
            self.forever = self.forever or forever
            if self.thread is None:
                self.thread = threading.Thread(target=self.run, name="job-dispatcher", daemon=True)
                self.thread.start()

    def stop(self) -> None:
        """Stop the thread after its current round."""
        self.stopped.set()
