"""Pen-style variation of pen-drawn digits: bounded, seeded changes of the strokes that keep the digit."""

import numpy as np
import pytest

from mnist_cnn.data import pen_styles
from mnist_cnn.data.pen_styles import make_bend_field, vary_pen_style
from mnist_cnn.data.pendigits import PenDigit

# A made-up "7": a bar and a downstroke, 100 units high.
SEVEN = PenDigit(label=7, writer="w0", strokes=(np.array([[0.0, 0.0], [60.0, 0.0], [30.0, 100.0]]),
                                                 np.array([[10.0, 50.0], [50.0, 50.0]])))


def test_strength_zero_keeps_the_strokes():
    varied = vary_pen_style(SEVEN, np.random.default_rng(0), strength=0.0)
    for before, after in zip(SEVEN.strokes, varied.strokes):
        np.testing.assert_allclose(after, before, atol=1e-9)


def test_the_label_writer_and_strokes_shape_are_kept_and_the_points_move():
    varied = vary_pen_style(SEVEN, np.random.default_rng(1))
    assert (varied.label, varied.writer) == (7, "w0")
    assert [stroke.shape for stroke in varied.strokes] == [stroke.shape for stroke in SEVEN.strokes]
    assert not np.allclose(np.concatenate(varied.strokes), np.concatenate(SEVEN.strokes))


def test_the_same_seed_gives_the_same_hand_and_another_seed_another():
    first, again = (vary_pen_style(SEVEN, np.random.default_rng(5)) for _ in range(2))
    other = vary_pen_style(SEVEN, np.random.default_rng(6))
    np.testing.assert_array_equal(np.concatenate(first.strokes), np.concatenate(again.strokes))
    assert not np.allclose(np.concatenate(first.strokes), np.concatenate(other.strokes))


@pytest.mark.parametrize("seed", range(20))
def test_no_point_moves_further_than_the_largest_changes_allow(seed):
    varied = vary_pen_style(SEVEN, np.random.default_rng(seed))
    before, after = np.concatenate(SEVEN.strokes), np.concatenate(varied.strokes)
    size, half_diagonal = 100.0, np.hypot(30.0, 50.0)
    turn = np.radians(pen_styles.MAX_TURN_DEGREES)
    linear = half_diagonal * (pen_styles.MAX_SHEAR + pen_styles.MAX_WIDTH_CHANGE + 2 * np.sin(turn / 2)) * 1.5
    bound = linear + pen_styles.MAX_BEND * size + 5 * pen_styles.MAX_JITTER * size
    assert np.linalg.norm(after - before, axis=1).max() <= bound


def test_the_bend_field_is_smooth_and_within_its_amount():
    displace = make_bend_field(np.random.default_rng(0), amount=0.1)
    grid = np.stack(np.meshgrid(np.linspace(0, 1, 21), np.linspace(0, 1, 21)), axis=-1).reshape(-1, 2)
    moves = displace(grid)
    assert np.abs(moves).max() <= 0.1 + 1e-12 and np.abs(moves).max() > 0.0
    neighbours = displace(grid + 0.01)
    assert np.abs(neighbours - moves).max() < 0.1 * 2 * np.pi * pen_styles.BEND_MAX_PERIODS * 0.02


def test_a_negative_strength_is_refused():
    with pytest.raises(ValueError, match="strength"):
        vary_pen_style(SEVEN, np.random.default_rng(0), strength=-1.0)


def test_the_pen_digit_set_draws_its_share_in_other_hands(monkeypatch):
    from mnist_cnn.data import extra_training_data
    from mnist_cnn.data.pendigits import HELD_OUT_WRITERS, load_pendigits

    digits = [digit for digit in load_pendigits() if digit.writer not in HELD_OUT_WRITERS][:30]
    monkeypatch.setattr(extra_training_data, "load_pendigits", lambda: digits)
    monkeypatch.setattr(extra_training_data, "RESTYLED_SHARE", 0.0)
    monkeypatch.setattr(extra_training_data, "PEN_STYLE_SHARE", 0.0)
    plain, labels = extra_training_data.make_pen_digit_set(1, seed=3)
    plain_again, _ = extra_training_data.make_pen_digit_set(1, seed=3)
    monkeypatch.setattr(extra_training_data, "PEN_STYLE_SHARE", 1.0)
    varied, varied_labels = extra_training_data.make_pen_digit_set(1, seed=3)
    assert list(labels) == list(varied_labels) == [digit.label for digit in digits]
    np.testing.assert_array_equal(plain, plain_again)
    assert np.mean([not np.array_equal(before, after) for before, after in zip(plain, varied)]) > 0.9
