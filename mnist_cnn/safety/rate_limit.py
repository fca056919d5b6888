"""At most N actions per time window for each key (a browser session, or the whole server); thread-safe.

A sliding window: an action is allowed when fewer than `limit` actions of the same key were recorded in the last
`window_seconds`. The clock is injectable, so tests step time instead of sleeping.
"""

import math
import threading
import time
from collections import deque
from collections.abc import Callable, Hashable

# The key of a limit that every session shares.
SERVER_WIDE = "server"


class RateLimitError(ValueError):
    """An action was refused because it was done too often; the message says when to try again."""

    def __init__(self, message: str, retry_after_seconds: float):
        super().__init__(message)
        self.retry_after_seconds = retry_after_seconds


def describe_wait(seconds: float) -> str:
    """A short text for a wait, rounded up: '1 s', '45 s', '3 min', '2 h'."""
    if seconds <= 60:
        return f"{max(1, math.ceil(seconds))} s"
    if seconds <= 3600:
        return f"{math.ceil(seconds / 60)} min"
    return f"{math.ceil(seconds / 3600)} h"


def describe_window(seconds: float) -> str:
    """'minute', 'hour', '5 minutes' or '90 s': the window of a limit, as in 'at most 3 per hour'."""
    for length, unit in ((3600, "hour"), (60, "minute")):
        if seconds == length:
            return unit
        if seconds % length == 0:
            return f"{int(seconds // length)} {unit}s"
    return f"{seconds:g} s"


class RateLimiter:
    """At most `limit` actions per `window_seconds` for each key; `action` names them in the refusal's message."""

    def __init__(self, limit: int, window_seconds: float, action: str,
                 clock: Callable[[], float] = time.monotonic):
        if int(limit) != limit or limit < 1 or not window_seconds > 0:
            raise ValueError(f"A rate limit needs a whole limit >= 1 and a window > 0, not {limit!r} per "
                             f"{window_seconds!r} s.")
        self.limit, self.window_seconds, self.action, self.clock = int(limit), float(window_seconds), action, clock
        self._times: dict[Hashable, deque[float]] = {}
        self._lock = threading.Lock()
        self._last_prune = clock()

    def forget_old_actions(self, now: float) -> None:
        """Drop the keys with no action inside the window (at most once per window; caller holds the lock)."""
        if now - self._last_prune < self.window_seconds:
            return
        self._last_prune = now
        for key in [key for key, times in self._times.items() if not times or now - times[-1] >= self.window_seconds]:
            del self._times[key]

    def count_recent(self, key: Hashable, now: float) -> deque[float]:
        """The key's action times inside the window, oldest first (older ones dropped; caller holds the lock)."""
        times = self._times.get(key)
        if times is None:
            return deque()
        while times and now - times[0] >= self.window_seconds:
            times.popleft()
        return times

    def seconds_to_wait(self, key: Hashable) -> float:
        """How long the key must wait before its next action is allowed (0.0 when it is allowed now)."""
        with self._lock:
            now = self.clock()
            times = self.count_recent(key, now)
            return 0.0 if len(times) < self.limit else times[0] + self.window_seconds - now

    def acquire(self, key: Hashable) -> None:
        """Record one action of the key now, or raise RateLimitError (recording nothing) when it is over the limit."""
        with self._lock:
            now = self.clock()
            self.forget_old_actions(now)
            times = self.count_recent(key, now)
            if len(times) >= self.limit:
                wait = times[0] + self.window_seconds - now
                raise RateLimitError(f"Too many {self.action}: at most {self.limit} per "
                                     f"{describe_window(self.window_seconds)}. Try again in {describe_wait(wait)}.",
                                     wait)
            self._times.setdefault(key, times).append(now)

    def refund(self, key: Hashable) -> None:
        """Take back the key's latest action (it did not happen after all: it failed, or changed nothing)."""
        with self._lock:
            times = self._times.get(key)
            if times:
                times.pop()

    def reset(self) -> None:
        """Forget every action (for tests, and a server that starts over)."""
        with self._lock:
            self._times.clear()
