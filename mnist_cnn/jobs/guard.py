"""The guard of a training worker: a watchdog thread that ends the worker when its server dies, and keeps the
job's time limit itself (even when its server cannot act). How many jobs run at once is the job board's (slots)."""

import os
import threading
import time

WATCHDOG_SECONDS = 0.5          # how often the worker checks that its server is alive and its time is not up
TIME_LIMIT_GRACE_SECONDS = 10   # after the time limit, how long a cancelled worker may take to stop by itself
PARENT_GONE_EXIT_CODE = 70      # the worker's exit status when its server died (nothing is saved)
TIME_LIMIT_EXIT_CODE = 71       # the worker's exit status when it outlived its time limit


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
