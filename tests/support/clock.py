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
