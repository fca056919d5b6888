"""Tests for mnist_cnn/safety/guess_throttle.py: waits shared by every session, doubling to a cap, on a fake clock."""

import logging
import threading

import pytest

from mnist_cnn.safety.guess_throttle import GuessThrottle, TooManyGuessesError
from tests.support.clock import FakeClock


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def throttle(clock):
    return GuessThrottle(first_wait_seconds=1, longest_wait_seconds=30, quiet_seconds=600, clock=clock)


def guess_wrong(throttle: GuessThrottle) -> float:
    """One admitted wrong guess; its wait."""
    throttle.admit_guess()
    return throttle.record_wrong_guess()


def test_each_wrong_guess_doubles_the_wait_up_to_the_cap(throttle, clock):
    waits = []
    for _ in range(8):
        waits.append(guess_wrong(throttle))
        clock.advance(waits[-1])
    assert waits == [1, 2, 4, 8, 16, 30, 30, 30]


def test_a_guess_during_the_wait_is_refused_at_once_and_changes_nothing(throttle, clock):
    guess_wrong(throttle)
    clock.advance(1)
    assert guess_wrong(throttle) == 2
    clock.advance(1.5)
    with pytest.raises(TooManyGuessesError, match=r"Too many wrong passwords: try again in 1 s\.") as refusal:
        throttle.admit_guess()  # any session: the throttle is the server's
    assert refusal.value.retry_after_seconds == pytest.approx(0.5) and isinstance(refusal.value, ValueError)
    clock.advance(0.5)
    assert guess_wrong(throttle) == 4, "the refused guess was not counted"


def test_a_right_guess_starts_again_from_the_first_wait(throttle, clock):
    for wait in (1, 2, 4):
        assert guess_wrong(throttle) == wait
        clock.advance(wait)
    throttle.admit_guess()
    throttle.record_right_guess()
    throttle.admit_guess()  # no wait after a right guess
    assert throttle.record_wrong_guess() == 1


def test_a_quiet_period_starts_again_from_the_first_wait(throttle, clock):
    for wait in (1, 2, 4):
        assert guess_wrong(throttle) == wait
        clock.advance(wait)
    clock.advance(600)
    assert guess_wrong(throttle) == 1


def test_guesses_arriving_together_are_answered_one_at_a_time(throttle):
    admitted, refused = [], []

    def guess():
        try:
            throttle.admit_guess()
            admitted.append(1)
        except TooManyGuessesError:
            refused.append(1)

    threads = [threading.Thread(target=guess) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(admitted) == 1 and len(refused) == 19


def test_a_wrong_guess_is_logged_without_the_typed_password(throttle, caplog):
    with caplog.at_level(logging.WARNING, logger="mnist_cnn.safety.guess_throttle"):
        throttle.admit_guess()
        throttle.record_wrong_guess("127.0.0.7")
    assert "Wrong teacher password from 127.0.0.7 (1 in a row)" in caplog.text
    assert "waits 1 s" in caplog.text
