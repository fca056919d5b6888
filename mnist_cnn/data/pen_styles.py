"""Pen-style variation of real pen-drawn digits: slant, turn, width, smooth bending and jitter of their strokes.

Twenty training writers are few; each of their digits is drawn again as a slightly different hand would draw it,
so that the network learns the digit rather than the writer. All changes act on the stroke points (y down) before
rendering, so the pen width and the canvas stay those of the rendering condition.
"""

import dataclasses

import numpy as np

from mnist_cnn.data.pendigits import PenDigit

# The largest change of each kind (drawn uniformly between minus and plus it, or as noted):
MAX_SHEAR = 0.3          # slant: x moves by this times (y - centre) / height
MAX_TURN_DEGREES = 12.0  # rotation about the centre
MAX_WIDTH_CHANGE = 0.25  # width scaled by 1 ± this (height kept)
MAX_BEND = 0.06          # smooth bending (a random low-frequency displacement field), fraction of the size
MAX_JITTER = 0.008       # independent shake of each point, fraction of the size (standard deviation)
# Sine waves summed into the bending field per axis, and their highest number of periods across the digit.
BEND_WAVES = 3
BEND_MAX_PERIODS = 1.5


def make_bend_field(rng: np.random.Generator, amount: float):
    """A smooth displacement function (points in [0, 1]², (n, 2)) -> (n, 2), of size up to `amount`."""
    frequencies = rng.uniform(0.3, BEND_MAX_PERIODS, size=(2, BEND_WAVES, 2)) * 2 * np.pi  # (axis, wave, x/y)
    phases = rng.uniform(0, 2 * np.pi, size=(2, BEND_WAVES))
    weights = rng.normal(size=(2, BEND_WAVES))
    weights *= amount / max(float(np.abs(weights).sum(axis=1).max()), 1e-9)  # |field| <= amount

    def displace(unit_points: np.ndarray) -> np.ndarray:
        waves = np.sin(np.einsum("awc,nc->anw", frequencies, unit_points) + phases[:, None, :])  # (2, n, waves)
        return np.einsum("anw,aw->na", waves, weights)

    return displace


def vary_pen_style(digit: PenDigit, rng: np.random.Generator, strength: float = 1.0) -> PenDigit:
    """The digit as a slightly different hand would draw it; `strength` 0 returns the same strokes."""
    if strength < 0:
        raise ValueError(f"strength must be 0 or more, not {strength}.")
    points = np.concatenate(digit.strokes).astype(np.float64)  # (n, 2)
    low, high = points.min(axis=0), points.max(axis=0)
    centre, size = (low + high) / 2, float(max(np.ptp(points, axis=0).max(), 1e-6))
    shear = rng.uniform(-MAX_SHEAR, MAX_SHEAR) * strength
    turn = np.radians(rng.uniform(-MAX_TURN_DEGREES, MAX_TURN_DEGREES) * strength)
    width = 1.0 + rng.uniform(-MAX_WIDTH_CHANGE, MAX_WIDTH_CHANGE) * strength
    linear = (np.array([[np.cos(turn), -np.sin(turn)], [np.sin(turn), np.cos(turn)]])
              @ np.array([[width, shear], [0.0, 1.0]]))  # (2, 2): scale width, slant, then turn
    bend = make_bend_field(rng, MAX_BEND * strength * size)
    strokes = []
    for stroke in digit.strokes:
        stroke = np.asarray(stroke, dtype=np.float64)  # (points, 2)
        moved = (stroke - centre) @ linear.T + centre
        moved += bend((stroke - low) / size)
        moved += rng.normal(0.0, MAX_JITTER * strength * size, size=stroke.shape)
        strokes.append(moved)
    return dataclasses.replace(digit, strokes=tuple(strokes))
