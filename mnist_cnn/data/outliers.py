"""Drawings that are not digits (letters, doodles, scribbles, shapes, two digits at once), drawn like canvas strokes."""

import cv2
import numpy as np

from mnist_cnn.config import CANVAS_SIZE
from mnist_cnn.data.doodles import DOODLES, HELD_OUT_DOODLES, make_doodle
from mnist_cnn.data.letters import make_letter
from mnist_cnn.data.part_doodles import make_part_doodle
from mnist_cnn.data.pendigits import PenDigit, draw_strokes, fit_strokes

# Shapes (only measured on, never trained on).
SHAPES = ("triangle", "square", "star", "spiral", "heart", "arrow", "hash", "smiley", "zigzag", "wave")

# Pen widths people use on the 300-px canvas, and how much of the canvas a drawing covers.
PEN_WIDTHS = (8, 34)
SIZE_FRACTIONS = (0.35, 0.85)


def pick_pen(rng: np.random.Generator) -> int:
    """A random pen width in PEN_WIDTHS."""
    return int(rng.integers(PEN_WIDTHS[0], PEN_WIDTHS[1] + 1))


def slant(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Rotate (±15°) and shear (±0.2) a drawing about its centre, as hands do."""
    size = image.shape[0]
    rotation = cv2.getRotationMatrix2D((size / 2, size / 2), float(rng.uniform(-15, 15)), 1.0)
    shear = float(rng.uniform(-0.2, 0.2))
    rotation[0, 1] += shear
    rotation[0, 2] -= shear * size / 2
    return cv2.warpAffine(image, rotation, (size, size), flags=cv2.INTER_LINEAR, borderValue=0)


def wobble(strokes: list[np.ndarray], rng: np.random.Generator, amount: float = 0.02) -> list[np.ndarray]:
    """A hand's unsteadiness: each stroke resampled densely and bent by smooth noise (`amount` of the size)."""
    points = np.concatenate(strokes)
    size = float(max(np.ptp(points, axis=0).max(), 1e-6))
    bent = []
    for stroke in strokes:
        if len(stroke) < 2:
            bent.append(stroke)
            continue
        steps = np.r_[0, np.cumsum(np.linalg.norm(np.diff(stroke, axis=0), axis=1))]
        along = np.linspace(0, steps[-1], max(2, int(steps[-1] / size * 40)))
        dense = np.stack([np.interp(along, steps, stroke[:, axis]) for axis in (0, 1)], axis=1)
        noise = np.cumsum(rng.normal(0, 1, size=dense.shape), axis=0)
        noise -= noise[0]
        noise -= np.linspace(0, 1, len(noise))[:, None] * noise[-1]  # a bridge: both ends stay where they were
        peak = float(np.abs(noise).max()) or 1.0
        bent.append(dense + noise / peak * amount * size * rng.uniform(0.3, 1.0))
    return bent


def draw_letter(hand: str, rng: np.random.Generator, canvas_size: int = CANVAS_SIZE) -> np.ndarray:
    """One letter or sign of a hand (print, script, cursive, greek, kana, symbols), wobbled, sized and placed."""
    return draw_fitted(wobble(make_letter(hand, rng), rng), rng, canvas_size)


def draw_doodle(name: str, rng: np.random.Generator, canvas_size: int = CANVAS_SIZE) -> np.ndarray:
    """One doodle of a named kind (see doodles.DOODLES), wobbled, at a random size and place."""
    return draw_fitted(wobble(make_doodle(name, rng), rng), rng, canvas_size)


def smooth_path(points: np.ndarray, rounds: int = 3) -> np.ndarray:
    """Chaikin corner cutting: a smooth curve through the neighbourhood of the points."""
    for _ in range(rounds):
        start, end = points[:-1], points[1:]
        cut = np.empty((2 * len(start), 2))
        cut[0::2], cut[1::2] = 0.75 * start + 0.25 * end, 0.25 * start + 0.75 * end
        points = np.vstack([points[:1], cut, points[-1:]])
    return points


def draw_scribble(rng: np.random.Generator, canvas_size: int = CANVAS_SIZE) -> np.ndarray:
    """A tangle: a smooth curve through 7 to 12 random points, in one or two strokes."""
    count = int(rng.integers(7, 13))
    points = smooth_path(rng.uniform(0, 1, size=(count, 2)))
    strokes = [points] if rng.random() < 0.6 else [points[: len(points) // 2], points[len(points) // 2:]]
    return draw_fitted(strokes, rng, canvas_size)


def make_shape(name: str, rng: np.random.Generator) -> list[np.ndarray]:
    """The strokes of a simple shape in unit coordinates (y down)."""
    turn = np.linspace(0, 2 * np.pi, 60)
    if name == "triangle":
        return [np.array([[0.5, 0], [1, 0.9], [0, 0.9], [0.5, 0]])]
    if name == "square":
        return [np.array([[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]])]
    if name == "star":
        angles = np.pi / 2 + np.arange(6) * 4 * np.pi / 5
        return [np.stack([np.cos(angles), -np.sin(angles)], axis=1)]
    if name == "spiral":
        angle = np.linspace(0, 6 * np.pi, 150)
        return [np.stack([angle * np.cos(angle), angle * np.sin(angle)], axis=1)]
    if name == "heart":
        return [np.stack([16 * np.sin(turn) ** 3,
                          -(13 * np.cos(turn) - 5 * np.cos(2 * turn) - 2 * np.cos(3 * turn) - np.cos(4 * turn))],
                         axis=1)]
    if name == "arrow":
        return [np.array([[0, 0.5], [1, 0.5]]), np.array([[0.7, 0.2], [1, 0.5], [0.7, 0.8]])]
    if name == "hash":
        return [np.array([[0.3, 0], [0.2, 1]]), np.array([[0.8, 0], [0.7, 1]]),
                np.array([[0, 0.3], [1, 0.3]]), np.array([[0, 0.7], [1, 0.7]])]
    if name == "smiley":
        mouth = np.linspace(0.2 * np.pi, 0.8 * np.pi, 20)
        return [np.stack([np.cos(turn), np.sin(turn)], axis=1),
                np.array([[-0.35, -0.3], [-0.33, -0.28]]), np.array([[0.35, -0.3], [0.37, -0.28]]),
                np.stack([0.55 * np.cos(mouth), 0.55 * np.sin(mouth)], axis=1)]
    if name == "zigzag":
        count = int(rng.integers(4, 7))
        return [np.stack([np.linspace(0, 1, count), np.arange(count) % 2 * 0.5], axis=1)]
    if name == "wave":
        along = np.linspace(0, 1, 80)
        return [np.stack([along, 0.15 * np.sin(along * 4 * np.pi)], axis=1)]
    raise ValueError(f"Unknown shape {name!r}; choose one of {', '.join(SHAPES)}.")


def draw_fitted(strokes: list[np.ndarray], rng: np.random.Generator, canvas_size: int = CANVAS_SIZE,
                pen: int | None = None) -> np.ndarray:
    """Draw strokes (any units) with a random pen, size and place on the canvas, slanted."""
    pen = pen if pen is not None else pick_pen(rng)
    height = rng.uniform(*SIZE_FRACTIONS) * canvas_size
    room = (canvas_size - height) / 2
    centre = canvas_size / 2 + rng.uniform(-room, room, size=2) * 0.5
    fitted = fit_strokes(strokes, canvas_size, height, pen, tuple(centre))
    return slant(draw_strokes(fitted, canvas_size, pen), rng)


def draw_shape(name: str, rng: np.random.Generator, canvas_size: int = CANVAS_SIZE) -> np.ndarray:
    """A shape with a random pen, size and place, slanted."""
    return draw_fitted(make_shape(name, rng), rng, canvas_size)


def draw_digit_pair(first: PenDigit, second: PenDigit, rng: np.random.Generator,
                    canvas_size: int = CANVAS_SIZE) -> np.ndarray:
    """Two digits written side by side (or a digit and most of another), as one drawing."""
    def normalise(strokes):
        points = np.concatenate(strokes)
        low, high = points.min(axis=0), points.max(axis=0)
        return [(stroke - low) / max(float((high - low)[1]), 1e-6) for stroke in strokes]

    left = normalise(first.strokes)
    right = [stroke + [float(np.concatenate(left)[:, 0].max()) + rng.uniform(0.1, 0.4), rng.uniform(-0.2, 0.2)]
             for stroke in normalise(second.strokes)]
    return draw_fitted(left + right, rng, canvas_size)


# The kinds of non-digit drawing the benchmark and tests measure on. The UNSEEN ones are never trained on (by
# construction: extra_training_data draws only TRAINED_KINDS); each named doodle is its own kind, "doodle: <name>",
# measured one by one; "named doodles" trains on the doodles not held out, one at random each time.
DOODLE_KINDS = tuple(f"doodle: {name}" for name in DOODLES)
HELD_OUT_DOODLE_KINDS = tuple(f"doodle: {name}" for name in HELD_OUT_DOODLES)
TAUGHT_DOODLE_KINDS = tuple(kind for kind in DOODLE_KINDS if kind not in HELD_OUT_DOODLE_KINDS)
UNSEEN_KINDS = ("script letters", "greek letters", "shapes") + HELD_OUT_DOODLE_KINDS
TRAINED_KINDS = ("print letters", "cursive letters", "kana letters", "symbols", "scribbles", "two digits",
                 "part doodles", "named doodles")
MEASURED_KINDS = UNSEEN_KINDS + TRAINED_KINDS[:-1] + TAUGHT_DOODLE_KINDS


def draw_outlier_of_kind(kind: str, rng: np.random.Generator, digits: list) -> np.ndarray:
    """One non-digit canvas drawing of a named kind (see UNSEEN_KINDS, TRAINED_KINDS and DOODLE_KINDS)."""
    if kind in ("script letters", "print letters", "greek letters", "cursive letters", "kana letters",
                "symbols"):
        return draw_letter(kind.split()[0], rng)
    if kind.startswith("doodle: "):
        return draw_doodle(kind.removeprefix("doodle: "), rng)
    if kind == "named doodles":
        return draw_doodle(TAUGHT_DOODLE_KINDS[int(rng.integers(len(TAUGHT_DOODLE_KINDS)))].removeprefix("doodle: "),
                           rng)
    if kind == "part doodles":
        return draw_fitted(wobble(make_part_doodle(rng), rng), rng)
    if kind == "shapes":
        return draw_shape(SHAPES[int(rng.integers(len(SHAPES)))], rng)
    if kind == "scribbles":
        return draw_scribble(rng)
    if kind == "two digits":
        first, second = rng.choice(len(digits), size=2)
        return draw_digit_pair(digits[first], digits[second], rng)
    raise ValueError(f"Unknown kind {kind!r}; choose one of {', '.join(MEASURED_KINDS + TRAINED_KINDS[-1:])}.")
