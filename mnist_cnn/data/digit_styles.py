"""Ways of writing digits that the training writers rarely use, made from their strokes: Ø, and a crossed seven.

No writer of the pendigits set slashes a zero; most cross their sevens (the bar is a second stroke), so only the
sevens drawn in one stroke get a bar.
"""

import dataclasses

import numpy as np

from mnist_cnn.data.pendigits import PenDigit

# The styles, by digit: each adds one stroke to a digit as its writer drew it.
STYLED_DIGITS = {0: "slashed zero", 7: "crossed seven"}


def add_slash(strokes: tuple, rng: np.random.Generator) -> tuple:
    """A zero with a slash through it (Ø), from top right to bottom left, a little past the loop."""
    points = np.concatenate(strokes)
    low, high = points.min(axis=0), points.max(axis=0)
    extent = high - low
    overshoot = rng.uniform(0.0, 0.15)
    start = np.array([high[0] + overshoot * extent[0], low[1] - overshoot * extent[1]])
    end = np.array([low[0] - overshoot * extent[0], high[1] + overshoot * extent[1]])
    start[0] -= rng.uniform(0, 0.2) * extent[0]
    end[0] += rng.uniform(0, 0.2) * extent[0]
    return (*strokes, np.stack([start, end]))


def find_crossing(strokes: tuple, height: float) -> float | None:
    """The x where the strokes first cross the line y = height (between two of their points), or None."""
    for stroke in strokes:
        for (x0, y0), (x1, y1) in zip(stroke[:-1], stroke[1:]):
            if min(y0, y1) <= height <= max(y0, y1) and y0 != y1:
                return float(x0 + (height - y0) / (y1 - y0) * (x1 - x0))
    return None


def add_crossbar(strokes: tuple, rng: np.random.Generator) -> tuple:
    """A seven with a short bar across its stem, at about half its height."""
    points = np.concatenate(strokes)
    low, high = points.min(axis=0), points.max(axis=0)
    extent = high - low
    height = low[1] + extent[1] * rng.uniform(0.45, 0.6)
    stem_x = find_crossing(strokes, height)
    if stem_x is None:  # no stroke crosses that height: the nearest point stands in for the stem
        stem_x = float(points[np.argmin(np.abs(points[:, 1] - height)), 0])
    half = extent[0] * rng.uniform(0.2, 0.35)
    tilt = rng.uniform(-0.05, 0.05) * extent[1]
    return (*strokes, np.array([[stem_x - half, height], [stem_x + half, height + tilt]]))


def restyle_digit(digit: PenDigit, rng: np.random.Generator) -> PenDigit:
    """The digit in its other style (a slashed zero; a crossed seven if it has no bar); others as they are."""
    if digit.label == 0:
        return dataclasses.replace(digit, strokes=add_slash(digit.strokes, rng))
    if digit.label == 7 and len(digit.strokes) == 1:  # a seven in two strokes mostly has its bar already
        return dataclasses.replace(digit, strokes=add_crossbar(digit.strokes, rng))
    return digit
