"""Guards of a training worker: one job per model store and a worker that dies with its server.

One server (SQLite, the default): the server takes the store's lock file before it starts a worker and hands the
locked file to it, so the lock lives exactly as long as the worker, whatever happens to the server. Replicas sharing
a PostgreSQL database (MNIST_CNN_DATABASE_URL): a session advisory lock, held by the server while its worker
lives and released by PostgreSQL if that server dies, so one job runs across all replicas.
The worker's watchdog thread ends the worker when its parent (the server) is gone, and enforces the job's time
limit itself.
"""

import fcntl
import os
import threading
import time
from multiprocessing import reduction
from pathlib import Path

from mnist_cnn.database import database_location, is_postgresql

# The lock file inside a model store; a worker holds an exclusive flock on it for its whole life.
LOCK_FILE_NAME = ".training.lock"
WATCHDOG_SECONDS = 0.5          # how often the worker checks that its server is alive and its time is not up
TIME_LIMIT_GRACE_SECONDS = 10   # after the time limit, how long a cancelled worker may take to stop by itself
PARENT_GONE_EXIT_CODE = 70      # the worker's exit status when its server died (nothing is saved)
TIME_LIMIT_EXIT_CODE = 71       # the worker's exit status when it outlived its time limit
# The PostgreSQL advisory lock of the one-job rule (one job at a time per shared database).
JOB_LOCK_KEY = 0x6A6F6273
BUSY_MESSAGE = ("Another training job is running on this model store (started by another server on the same "
                "folder); wait for it to finish.")


class StoreLockedError(RuntimeError):
    """Another process (another server's training job) holds the model store's lock."""


def rebuild_store_lock(handle):
    """Unpickle a StoreLock in the worker: the locked file descriptor handed over by the server."""
    return StoreLock(handle.detach())


class StoreLock:
    """An exclusive, non-blocking flock on <models_dir>/.training.lock; pickles as the locked descriptor."""

    def __init__(self, descriptor: int):
        self.descriptor = descriptor

    @classmethod
    def acquire(cls, models_dir: Path) -> "StoreLock":
        """Take the store's lock now, or raise StoreLockedError if another job holds it."""
        descriptor = os.open(Path(models_dir) / LOCK_FILE_NAME, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(descriptor)
            raise StoreLockedError(BUSY_MESSAGE) from None
        return cls(descriptor)

    def hand_over(self, worker) -> None:
        """The worker (if started) inherited the locked file: close the server's handle."""
        self.close()

    def __reduce__(self):
        # The worker receives the same open file (so the same lock), not a copy of the path.
        return rebuild_store_lock, (reduction.DupFd(self.descriptor),)

    def close(self) -> None:
        """Close this process's handle; the lock is released once no process holds the file open."""
        if self.descriptor is not None:
            os.close(self.descriptor)
            self.descriptor = None


class ServerHeldLock:
    """What a worker receives for a DatabaseJobLock: nothing to hold (its server holds the lock)."""

    def close(self) -> None:
        """Nothing to release."""


class DatabaseJobLock:
    """The one-job rule through a shared PostgreSQL: held by the server until its worker exits, or the server dies."""

    def __init__(self, lock):
        self.lock = lock

    @classmethod
    def acquire(cls, url: str) -> "DatabaseJobLock":
        """Take the database's job lock now, or raise StoreLockedError if a job of any replica holds it."""
        from mnist_cnn.database.advisory_lock import AdvisoryLock

        lock = AdvisoryLock.try_acquire(url, JOB_LOCK_KEY)
        if lock is None:
            raise StoreLockedError("Another training job is running (started on another server of this class); "
                                   "wait for it to finish.")
        return cls(lock)

    def __reduce__(self):
        return ServerHeldLock, ()

    def hand_over(self, worker) -> None:
        """Keep the lock while the worker lives (a thread waits for it to exit), or release it now if none started."""
        if worker is None or not worker.is_alive():
            self.close()
            return
        threading.Thread(target=lambda: (worker.join(), self.close()), name="job-lock-keeper", daemon=True).start()

    def close(self) -> None:
        """Release the lock."""
        self.lock.close()


def acquire_job_lock(models_dir: Path):
    """The one-job lock: the shared PostgreSQL's advisory lock if MNIST_CNN_DATABASE_URL names one, else the
    store's lock file. StoreLockedError if a job holds it."""
    url = database_location()
    if url and is_postgresql(url):
        return DatabaseJobLock.acquire(url)
    return StoreLock.acquire(models_dir)


def is_store_locked(models_dir: Path) -> bool:
    """True while a training job (of any process) holds the store's lock."""
    try:
        StoreLock.acquire(models_dir).close()
    except StoreLockedError:
        return True
    return False


class WorkerWatchdog:
    """Decides, from the parent pid and the clock, whether the worker must stop (see check())."""

    def __init__(self, parent_pid: int, max_seconds: float, cancel_event, saving_event, clock=time.monotonic):
        self.parent_pid, self.max_seconds = parent_pid, max_seconds
        self.cancel_event, self.saving_event, self.clock = cancel_event, saving_event, clock
        self.started = clock()

    def check(self, parent_pid: int) -> int | None:
        """The exit code the worker must exit with now, or None; past the time limit, first ask it to cancel."""
        if parent_pid != self.parent_pid:
            return PARENT_GONE_EXIT_CODE  # the server died: no one would report or use the result
        elapsed = self.clock() - self.started
        if elapsed > self.max_seconds:
            self.cancel_event.set()  # stops at the next batch, saving nothing
            if elapsed > self.max_seconds + TIME_LIMIT_GRACE_SECONDS and not self.saving_event.is_set():
                return TIME_LIMIT_EXIT_CODE
        return None

    def run(self) -> None:
        """Check every WATCHDOG_SECONDS; end the whole process at once when check() says so."""
        while True:
            time.sleep(WATCHDOG_SECONDS)
            exit_code = self.check(os.getppid())
            if exit_code is not None:
                os._exit(exit_code)

    def start(self) -> None:
        """Run the checks in a daemon thread of the worker."""
        threading.Thread(target=self.run, name="worker-watchdog", daemon=True).start()
