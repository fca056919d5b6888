"""The one probability chart (HTML bars): one bar per digit, heights and colours from the probabilities."""

import re

import numpy as np
import pytest

from mnist_cnn.plots.probabilities import (OTHER_COLOUR, PREDICTION_COLOUR, TRUE_COLOUR,
                                           make_probability_bars)


def bar_heights_and_colours(markup: str) -> list[tuple[int, str]]:
    """(height in px, colour) of each bar, in digit order."""
    return [(int(height), colour) for height, colour in
            re.findall(r"height:(\d+)px;background:(#[0-9a-f]{6})", markup)]


def test_each_digit_gets_a_bar_as_high_as_its_probability():
    probabilities = np.array([0.05, 0.0, 0.6, 0.1, 0.0, 0.0, 0.25, 0.0, 0.0, 0.0])
    bars = bar_heights_and_colours(make_probability_bars(probabilities, height=100))
    assert [height for height, _ in bars] == [5, 1, 60, 10, 1, 1, 25, 1, 1, 1]  # a zero keeps a 1 px stub
    assert [colour for _, colour in bars] == [OTHER_COLOUR] * 2 + [PREDICTION_COLOUR] + [OTHER_COLOUR] * 7


def test_the_true_digit_is_marked_when_it_is_not_the_prediction():
    probabilities = np.full(10, 0.02)
    probabilities[4], probabilities[9] = 0.2, 0.62
    markup = make_probability_bars(probabilities, true_digit=4)
    colours = [colour for _, colour in bar_heights_and_colours(markup)]
    assert colours[9] == PREDICTION_COLOUR and colours[4] == TRUE_COLOUR
    assert colours.count(OTHER_COLOUR) == 8
    assert "4: 20%" in markup and "the true digit" in markup


@pytest.mark.parametrize("probabilities", [np.ones(9) / 9, np.full(10, np.nan), np.full(10, -0.1), "ten"])
def test_anything_but_ten_probabilities_is_refused(probabilities):
    with pytest.raises(ValueError):
        make_probability_bars(probabilities)
