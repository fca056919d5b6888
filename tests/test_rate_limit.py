"""Tests for mnist_cnn/safety/rate_limit.py: exactly the limit is allowed, one more refused, on a fake clock."""

import threading

import pytest

from mnist_cnn.safety.rate_limit import RateLimiter, RateLimitError, describe_wait, describe_window
from tests.support.clock import FakeClock


@pytest.fixture
def clock():
    return FakeClock()


def test_exactly_the_limit_is_allowed_and_one_more_is_refused_with_the_wait(clock):
    limiter = RateLimiter(3, 60, "drawings saved", clock=clock)
    for _ in range(3):
        limiter.acquire("anna")
        clock.advance(10)
    with pytest.raises(RateLimitError, match=r"Too many drawings saved: at most 3 per minute\. Try again in 30 s\.")\
            as refusal:
        limiter.acquire("anna")
    assert refusal.value.retry_after_seconds == pytest.approx(30)
    assert isinstance(refusal.value, ValueError)


def test_the_window_slides_one_action_at_a_time(clock):
    limiter = RateLimiter(2, 60, "things", clock=clock)
    limiter.acquire("anna")
    clock.advance(30)
    limiter.acquire("anna")
    clock.advance(29.9)
    assert limiter.seconds_to_wait("anna") == pytest.approx(0.1)
    with pytest.raises(RateLimitError):
        limiter.acquire("anna")
    clock.advance(0.1)  # the first action is exactly one window old: it no longer counts
    assert limiter.seconds_to_wait("anna") == 0.0
    limiter.acquire("anna")
    with pytest.raises(RateLimitError):
        limiter.acquire("anna")


def test_a_refused_action_is_not_counted(clock):
    limiter = RateLimiter(1, 60, "things", clock=clock)
    limiter.acquire("anna")
    for _ in range(5):
        clock.advance(10)
        with pytest.raises(RateLimitError):
            limiter.acquire("anna")
    clock.advance(10)  # 60 s after the only counted action
    limiter.acquire("anna")


def test_each_key_has_its_own_count(clock):
    limiter = RateLimiter(1, 300, "jobs", clock=clock)
    limiter.acquire("anna")
    limiter.acquire("ben")
    with pytest.raises(RateLimitError, match="at most 1 per 5 minutes. Try again in 5 min"):
        limiter.acquire("anna")


def test_a_refund_takes_back_the_latest_action(clock):
    limiter = RateLimiter(1, 3600, "collections", clock=clock)
    limiter.acquire("anna")
    limiter.refund("anna")
    limiter.acquire("anna")
    limiter.refund("nobody")  # nothing to take back: nothing happens
    with pytest.raises(RateLimitError, match="per hour"):
        limiter.acquire("anna")


def test_keys_without_recent_actions_are_forgotten(clock):
    limiter = RateLimiter(1, 60, "things", clock=clock)
    for index in range(1000):
        limiter.acquire(f"session-{index}")
    clock.advance(61)
    limiter.acquire("late")
    assert len(limiter._times) == 1  # the memory does not grow with every session that ever came


def test_threads_acquiring_at_once_never_pass_the_limit(clock):
    limiter = RateLimiter(50, 60, "things", clock=clock)
    allowed = []

    def try_many():
        for _ in range(100):
            try:
                limiter.acquire("server")
                allowed.append(1)
            except RateLimitError:
                pass

    threads = [threading.Thread(target=try_many) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(allowed) == 50


@pytest.mark.parametrize("limit, window", [(0, 60), (1.5, 60), (1, 0)])
def test_a_limit_needs_a_whole_count_and_a_window(limit, window):
    with pytest.raises(ValueError, match="rate limit needs"):
        RateLimiter(limit, window, "things")


def test_waits_and_windows_read_well():
    assert [describe_wait(seconds) for seconds in (0.2, 1, 59.1, 61, 3600, 3601)] == [
        "1 s", "1 s", "60 s", "2 min", "60 min", "2 h"]
    assert [describe_window(seconds) for seconds in (60, 3600, 300, 7200, 90)] == [
        "minute", "hour", "5 minutes", "2 hours", "90 s"]
