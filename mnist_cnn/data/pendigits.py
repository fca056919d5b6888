"""Real pen-drawn digits (UCI pendigits): load the stroke lists and render them the way the canvas draws."""

import gzip
import json
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from mnist_cnn import config
from mnist_cnn.config import CANVAS_SIZE

# Free space kept between a drawing and the canvas edge, in pixels.
EDGE_MARGIN = 6


@dataclass(frozen=True)
class PenDigit:
    """One digit as its writer drew it: strokes of (x, y) points, y downwards, in tablet units."""

    label: int
    writer: str
    strokes: tuple  # tuple of (points, 2) float arrays


@dataclass(frozen=True)
class DrawingCondition:
    """How a digit is put on the canvas: its height, pen width and where it sits."""

    name: str
    height_fraction: float        # the digit's height as a fraction of the canvas side
    pen_width: int                # the pen's diameter in canvas pixels
    off_centre: bool = False      # drawn at a random place instead of the middle


# Writers kept out of everything the bundled model learns from, so that figures on them are figures on
# unseen writers: every third writer (w3, w6, ..., w30). The others may be used for training.
HELD_OUT_WRITERS = tuple(f"w{number}" for number in range(3, 31, 3))

# The conditions of the real-handwriting benchmark (issue 12): a 300-px canvas as on the Draw page.
CONDITIONS = (
    DrawingCondition("centred, large", 0.7, 24),
    DrawingCondition("small, off-centre", 1 / 3, 16, off_centre=True),
    DrawingCondition("thin pen (8 px)", 0.7, 8),
    DrawingCondition("thick pen (34 px)", 0.7, 34),
)


def find_pendigits_file() -> Path:
    """The pendigits file: the bundled copy, else the shared one beside the project; ValueError if neither."""
    for path in config.PENDIGITS_PATHS:
        if path.is_file():
            return path
    raise ValueError("The pendigits file was not found; looked in: "
                     + ", ".join(str(path) for path in config.PENDIGITS_PATHS))


def load_pendigits(path: Path | None = None) -> list[PenDigit]:
    """Every digit of a pendigits JSON-lines file (gzip), in file order."""
    path = Path(path) if path is not None else find_pendigits_file()
    digits = []
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        for line in lines:
            row = json.loads(line)
            strokes = tuple(np.asarray(stroke, dtype=np.float64).reshape(-1, 2) for stroke in row["strokes"])
            digits.append(PenDigit(int(row["label"]), str(row["writer"]), strokes))
    return digits


def list_writers(digits: list[PenDigit]) -> list[str]:
    """The writers, in a stable order (w1, w2, ..., w30)."""
    return sorted({digit.writer for digit in digits}, key=lambda name: (len(name), name))


def split_by_writer(digits: list[PenDigit]) -> tuple[list[PenDigit], list[PenDigit]]:
    """(digits of the writers that may be trained on, digits of the HELD_OUT_WRITERS)."""
    held_out = set(HELD_OUT_WRITERS)
    return ([digit for digit in digits if digit.writer not in held_out],
            [digit for digit in digits if digit.writer in held_out])


def fit_strokes(strokes, canvas_size: int, height: float, pen_width: int, centre: tuple[float, float]):
    """Scale and move the strokes so the digit is `height` px tall (narrower if wide) around `centre`."""
    points = np.concatenate(strokes)  # (points, 2)
    low, high = points.min(axis=0), points.max(axis=0)
    extent = np.maximum(high - low, 1e-6)  # (width, height)
    room = canvas_size - 2 * EDGE_MARGIN - pen_width
    scale = min(height / extent[1], room / extent[0], room / extent[1])
    middle = (low + high) / 2
    return [(stroke - middle) * scale + np.asarray(centre) for stroke in strokes]


def draw_strokes(strokes, canvas_size: int, pen_width: int) -> np.ndarray:
    """Draw polylines with a round pen, anti-aliased, white on a black (canvas_size, canvas_size) uint8 image."""
    shift = 4  # sub-pixel precision: coordinates in 1/16 px
    image = np.zeros((canvas_size, canvas_size), dtype=np.uint8)
    for stroke in strokes:
        fixed = np.round(stroke * (1 << shift)).astype(np.int32)
        if len(fixed) == 1:
            cv2.circle(image, tuple(fixed[0]), max(1, pen_width // 2) << shift, 255, -1, cv2.LINE_AA, shift)
        else:
            cv2.polylines(image, [fixed.reshape(-1, 1, 2)], False, 255, pen_width, cv2.LINE_AA, shift)
    return image


def render_digit(digit: PenDigit, condition: DrawingCondition, rng: np.random.Generator | None = None,
                 canvas_size: int = CANVAS_SIZE) -> np.ndarray:
    """The digit as it would look on the canvas under `condition`: a (canvas_size, canvas_size) uint8 image."""
    height = condition.height_fraction * canvas_size
    centre = (canvas_size / 2, canvas_size / 2)
    if condition.off_centre:
        rng = rng if rng is not None else np.random.default_rng(0)
        half = (height + condition.pen_width) / 2 + EDGE_MARGIN
        centre = tuple(rng.uniform(half, canvas_size - half, size=2))
    strokes = fit_strokes(digit.strokes, canvas_size, height, condition.pen_width, centre)
    return draw_strokes(strokes, canvas_size, condition.pen_width)


def prepare_inputs(digits: list[PenDigit], condition: DrawingCondition, seed: int = 0):
    """Render each digit under `condition` and preprocess it as the app does: (inputs, labels, kept).

    `inputs` is (n, 28, 28) float32 in [0, 1]; `kept` marks the digits the preprocessing accepted (a digit
    it refuses, e.g. as a dot, counts as misread by whoever scores it).
    """
    from mnist_cnn.inputs.preprocess import preprocess_drawing  # here, so that loading strokes needs no OpenCV steps

    rng = np.random.default_rng(seed)
    inputs = np.zeros((len(digits), 28, 28), dtype=np.float32)
    kept = np.zeros(len(digits), dtype=bool)
    for index, digit in enumerate(digits):
        model_input = preprocess_drawing(render_digit(digit, condition, rng)).model_input
        if model_input is not None:
            inputs[index], kept[index] = model_input, True
    labels = np.array([digit.label for digit in digits], dtype=np.int64)
    return inputs, labels, kept
