"""Training data beyond MNIST: real pen-drawn digits rendered like canvas drawings, and drawings that are not digits."""

import numpy as np

from mnist_cnn.config import CANVAS_SIZE
from mnist_cnn.data import outliers
from mnist_cnn.data.digit_styles import STYLED_DIGITS, restyle_digit
from mnist_cnn.data.pen_styles import vary_pen_style
from mnist_cnn.data.pendigits import EDGE_MARGIN, DrawingCondition, load_pendigits, render_digit, \
    split_by_writer
from mnist_cnn.inputs.images import to_uint8
from mnist_cnn.inputs.preprocess import preprocess_drawing

# Pen-drawn digits are drawn at a random height (fraction of the canvas) with a random pen width (px).
HEIGHT_RANGE = (0.25, 0.9)
PEN_RANGE = (6, 38)

# The kinds of non-digit drawing trained on, with their shares. Two of the three script fonts, Greek letters,
# shapes and the held-out doodles are never trained on: they measure how the "not a digit" verdict carries over
# to drawings of unseen kinds.
OUTLIER_SHARES = {"print letters": 0.17, "cursive letters": 0.13, "kana letters": 0.08, "symbols": 0.08,
                  "scribbles": 0.09, "two digits": 0.1, "part doodles": 0.25, "named doodles": 0.1}
# Share of the pen-drawn zeros and sevens drawn in their other style (a slashed zero, a crossed seven).
RESTYLED_SHARE = 0.4
# Share of the pen-drawn digits drawn as a slightly different hand would (slant, turn, width, bending, jitter).
PEN_STYLE_SHARE = 0.7


def render_random_condition(digit, rng: np.random.Generator) -> np.ndarray:
    """A pen-drawn digit on the canvas at a random height, pen width and place."""
    height = float(rng.uniform(*HEIGHT_RANGE))
    pen = int(rng.integers(PEN_RANGE[0], PEN_RANGE[1] + 1))
    off_centre = bool(rng.random() < 0.5) and height * CANVAS_SIZE + pen + 2 * EDGE_MARGIN < CANVAS_SIZE
    return render_digit(digit, DrawingCondition("random", height, pen, off_centre), rng)


def make_pen_digit_set(variants: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Each digit of the trainable writers, `variants` times, some restyled or re-penned: (n, 28, 28) uint8, labels."""
    trainable, _ = split_by_writer(load_pendigits())
    rng = np.random.default_rng(seed)
    images, labels = [], []
    for _ in range(variants):
        for digit in trainable:
            if digit.label in STYLED_DIGITS and rng.random() < RESTYLED_SHARE:
                digit = restyle_digit(digit, rng)
            if rng.random() < PEN_STYLE_SHARE:
                digit = vary_pen_style(digit, rng)
            model_input = preprocess_drawing(render_random_condition(digit, rng)).model_input
            if model_input is not None:
                images.append(to_uint8(model_input))
                labels.append(digit.label)
    return np.stack(images), np.array(labels, dtype=np.int64)


def make_outlier_set(count: int, seed: int = 0) -> np.ndarray:
    """`count` non-digit drawings of the trained-on kinds, preprocessed: (n, 28, 28) uint8."""
    trainable, _ = split_by_writer(load_pendigits())
    rng = np.random.default_rng(seed)
    kinds = rng.choice(list(OUTLIER_SHARES), size=count, p=list(OUTLIER_SHARES.values()))
    images = []
    for kind in kinds:
        model_input = preprocess_drawing(outliers.draw_outlier_of_kind(str(kind), rng, trainable)).model_input
        if model_input is not None:
            images.append(to_uint8(model_input))
    return np.stack(images) if images else np.zeros((0, 28, 28), dtype=np.uint8)
