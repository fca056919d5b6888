"""Password guesses throttled across every session of the server: each wrong guess makes the next one wait longer.

After a wrong guess, the next guess from any session must wait: the first wait, doubled after each further wrong
guess up to the longest wait. A guess that arrives during the wait is refused at once, unread (nothing blocks a
server thread). A right guess, or a quiet period without wrong guesses, starts again from the first wait. A guess
also takes the turn while it is checked, so guesses arriving at the same moment are answered one at a time.
"""

import logging
import threading
import time
from collections.abc import Callable

from mnist_cnn.safety.rate_limit import describe_wait

logger = logging.getLogger(__name__)


class TooManyGuessesError(ValueError):
    """A password guess was refused unread: wrong guesses came too fast; the message says when to try again."""

    def __init__(self, retry_after_seconds: float):
        super().__init__(f"Too many wrong passwords: try again in {describe_wait(retry_after_seconds)}.")
        self.retry_after_seconds = retry_after_seconds


class GuessThrottle:
    """One server's throttle on password guesses (shared by all its sessions; thread-safe, clock injectable)."""

    def __init__(self, first_wait_seconds: float, longest_wait_seconds: float, quiet_seconds: float,
                 clock: Callable[[], float] = time.monotonic):
        self.first_wait_seconds, self.longest_wait_seconds = first_wait_seconds, longest_wait_seconds
        self.quiet_seconds, self.clock = quiet_seconds, clock
        self.wrong_in_a_row = 0
        self._last_wrong_at: float | None = None
        self._next_guess_at = float("-inf")
        self._lock = threading.Lock()

    def admit_guess(self) -> None:
        """Take the turn to check one guess now, or raise TooManyGuessesError while guesses must wait."""
        with self._lock:
            now = self.clock()
            if now < self._next_guess_at:
                raise TooManyGuessesError(self._next_guess_at - now)
            if self._last_wrong_at is not None and now - self._last_wrong_at >= self.quiet_seconds:
                self.wrong_in_a_row = 0  # a quiet period: start again from the first wait
            self._next_guess_at = now + self.first_wait_seconds  # until this guess is answered

    def record_wrong_guess(self, source: str = "") -> float:
        """A wrong guess: log it (never the typed text) and return how long the next guess must wait."""
        with self._lock:
            now = self.clock()
            wait = min(self.first_wait_seconds * 2 ** self.wrong_in_a_row, self.longest_wait_seconds)
            self.wrong_in_a_row += 1
            self._last_wrong_at, self._next_guess_at = now, now + wait
            count = self.wrong_in_a_row
        logger.warning("Wrong teacher password%s (%d in a row): the next guess from any session waits %s.",
                       f" from {source}" if source else "", count, describe_wait(wait))
        return wait

    def record_right_guess(self) -> None:
        """A right guess: the next guess needs no wait, and the waits start again from the first."""
        with self._lock:
            self.wrong_in_a_row, self._last_wrong_at, self._next_guess_at = 0, None, float("-inf")
