"""Digit styles: a slashed zero gets one diagonal stroke across its loop, a crossed seven a bar across its stem."""

import numpy as np

from mnist_cnn.data.digit_styles import add_crossbar, add_slash, restyle_digit
from mnist_cnn.data.pendigits import PenDigit

RING = np.stack([50 + 40 * np.cos(np.linspace(0, 2 * np.pi, 40)), 50 + 60 * np.sin(np.linspace(0, 2 * np.pi, 40))],
                axis=1)  # a zero: 80 wide, 120 tall, y down
SEVEN = np.array([[0.0, 0.0], [60.0, 0.0], [20.0, 100.0]])


def test_the_slash_runs_from_top_right_to_bottom_left_across_the_zero():
    strokes = add_slash((RING,), np.random.default_rng(0))
    assert len(strokes) == 2 and strokes[0] is RING
    start, end = strokes[1]
    assert start[0] > end[0] and start[1] < end[1]  # up at the right, down at the left
    assert start[1] <= RING[:, 1].min() + 1e-9 and end[1] >= RING[:, 1].max() - 1e-9  # crosses the whole loop
    assert 0 < np.mean(strokes[1][:, 0]) < 100


def test_the_crossbar_crosses_the_stem_near_half_height():
    bar = add_crossbar((SEVEN,), np.random.default_rng(0))[-1]
    height = bar[:, 1].mean()
    assert 40 <= height <= 65
    stem_x = 60 - 40 * height / 100  # where the stem is at that height
    assert bar[:, 0].min() < stem_x < bar[:, 0].max()


def test_only_zeros_and_sevens_are_restyled():
    rng = np.random.default_rng(0)
    zero, seven, one = (PenDigit(label, "w1", (stroke,)) for label, stroke in ((0, RING), (7, SEVEN), (1, SEVEN)))
    assert len(restyle_digit(zero, rng).strokes) == 2 and restyle_digit(zero, rng).label == 0
    assert len(restyle_digit(seven, rng).strokes) == 2
    assert restyle_digit(one, rng) is one


def test_a_seven_that_already_has_its_bar_gets_no_second_one():
    bar = np.array([[10.0, 55.0], [45.0, 55.0]])
    seven = PenDigit(7, "w1", (SEVEN, bar))  # drawn in two strokes, as most pendigits writers do
    assert restyle_digit(seven, np.random.default_rng(0)) is seven
