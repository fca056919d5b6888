"""A fake clock for the rate limits and the password throttle: time moves only when a test says so."""


class FakeClock:
    """A clock that moves only when told to (call it for the time, `advance` it by seconds)."""

    def __init__(self, now: float = 1000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        """Move the time forward."""
        self.now += seconds


def put_limits_on_clock(monkeypatch, clock: FakeClock) -> None:
    """Replace every rate limit of ui/limits.py with the same limit on the fake clock (undone after the test)."""
    import ui.limits as limits
    from mnist_cnn.safety.rate_limit import RateLimiter

    for name in ("SAVES", "IMPORTS", "SESSION_COLLECTIONS", "SERVER_COLLECTIONS", "JOB_STARTS"):
        limiter = getattr(limits, name)
        monkeypatch.setattr(limits, name, RateLimiter(limiter.limit, limiter.window_seconds, limiter.action,
                                                      clock=clock))
