"""Render MNIST digits the way people draw on the canvas: uniform thick strokes, any size, place and slant."""

import cv2
import numpy as np

from mnist_cnn.config import CANVAS_SIZE

# The canvas the renderings imitate: white strokes on a black square, like the Draw page's.
# Digit height as a fraction of the canvas side (people draw from quite small to nearly full size).
MIN_HEIGHT_FRACTION = 0.35
MAX_HEIGHT_FRACTION = 0.9
# Pen width as a fraction of the canvas side (the page's default is 8%), and at most this fraction of the
# digit's height (nobody draws a tiny digit with a fat brush and expects it to read).
MIN_STROKE_FRACTION = 0.05
MAX_STROKE_FRACTION = 0.11
MAX_STROKE_TO_HEIGHT = 0.22
# Slant: rotation in degrees and horizontal shear.
MAX_ROTATION_DEGREES = 15.0
MAX_SHEAR = 0.25
# Free space kept between the drawing and the canvas edge, in pixels.
EDGE_MARGIN = 4


def thin_once(image: np.ndarray, first_pass: bool) -> bool:
    """One Zhang-Suen sub-iteration on a 0/1 uint8 image, in place; True if a pixel was removed."""
    padded = np.pad(image, 1)
    # The eight neighbours P2..P9, clockwise from north.
    p2, p3, p4 = padded[:-2, 1:-1], padded[:-2, 2:], padded[1:-1, 2:]
    p5, p6, p7 = padded[2:, 2:], padded[2:, 1:-1], padded[2:, :-2]
    p8, p9 = padded[1:-1, :-2], padded[:-2, :-2]
    ring = [p2, p3, p4, p5, p6, p7, p8, p9, p2]
    neighbours = sum(neighbour.astype(np.int32) for neighbour in ring[:-1])
    transitions = sum(((ring[i] == 0) & (ring[i + 1] == 1)).astype(np.int32) for i in range(8))
    if first_pass:
        side = (p2 * p4 * p6 == 0) & (p4 * p6 * p8 == 0)
    else:
        side = (p2 * p4 * p8 == 0) & (p2 * p6 * p8 == 0)
    remove = (image == 1) & (neighbours >= 2) & (neighbours <= 6) & (transitions == 1) & side
    image[remove] = 0
    return bool(remove.any())


def compute_skeleton(mask: np.ndarray) -> np.ndarray:
    """Zhang-Suen skeleton of a 0/1 uint8 mask: the strokes' one-pixel centre lines."""
    skeleton = np.zeros_like(mask, dtype=np.uint8)
    rows = np.flatnonzero(mask.any(axis=1))
    columns = np.flatnonzero(mask.any(axis=0))
    if len(rows) == 0:
        return skeleton
    box = (slice(rows[0], rows[-1] + 1), slice(columns[0], columns[-1] + 1))
    thinned = (mask[box] > 0).astype(np.uint8)  # only the ink's bounding box needs thinning
    changed = True
    while changed:
        changed = thin_once(thinned, True)
        changed = thin_once(thinned, False) or changed
    skeleton[box] = thinned
    return skeleton


def make_digit_transform(height_pixels: float, rotation: float, shear: float) -> np.ndarray:
    """2x3 affine matrix mapping a 28x28 MNIST digit (20-px box) to a slanted digit around the origin."""
    scale = height_pixels / 20.0
    angle = np.deg2rad(rotation)
    rotate = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    slant = np.array([[1.0, -shear], [0.0, 1.0]])
    linear = rotate @ slant * scale
    offset = -linear @ np.array([14.0, 14.0])
    return np.hstack([linear, offset[:, np.newaxis]])


def render_canvas_digit(digit: np.ndarray, rng: np.random.Generator, canvas_size: int = CANVAS_SIZE) -> np.ndarray:
    """An (S, S, 4) uint8 RGBA canvas drawing of a (28, 28) uint8 MNIST digit, at a random size, place and slant."""
    height = rng.uniform(MIN_HEIGHT_FRACTION, MAX_HEIGHT_FRACTION) * canvas_size
    stroke = min(rng.uniform(MIN_STROKE_FRACTION, MAX_STROKE_FRACTION) * canvas_size,
                 MAX_STROKE_TO_HEIGHT * height)
    stroke = max(3, int(round(stroke)))
    matrix = make_digit_transform(height, rng.uniform(-MAX_ROTATION_DEGREES, MAX_ROTATION_DEGREES),
                                  rng.uniform(-MAX_SHEAR, MAX_SHEAR))
    matrix[:, 2] += canvas_size / 2  # centred first, moved to a random place below
    warped = cv2.warpAffine(digit, matrix, (canvas_size, canvas_size), flags=cv2.INTER_CUBIC)
    mask = (warped > 127).astype(np.uint8)  # (S, S) 0/1
    if not mask.any():
        return np.dstack([np.zeros((canvas_size, canvas_size, 3), np.uint8),
                          np.full((canvas_size, canvas_size), 255, np.uint8)])
    # Redraw the centre lines with a round pen of the chosen width, like a canvas brush.
    pen = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (stroke, stroke))
    drawing = cv2.dilate(compute_skeleton(mask) * 255, pen)
    drawing = shift_randomly(drawing, rng)
    drawing = cv2.GaussianBlur(drawing, (3, 3), 0)  # the canvas anti-aliases its strokes
    opaque = np.full_like(drawing, 255)
    return np.dstack([drawing, drawing, drawing, opaque])


def shift_randomly(drawing: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Move the drawing to a random place where it still fits on the canvas (shrinking it if it does not)."""
    size = drawing.shape[0]
    rows = np.flatnonzero(drawing.any(axis=1))
    columns = np.flatnonzero(drawing.any(axis=0))
    ink = drawing[rows[0]:rows[-1] + 1, columns[0]:columns[-1] + 1]
    room = size - 2 * EDGE_MARGIN
    if max(ink.shape) > room:
        scale = room / max(ink.shape)
        ink = cv2.resize(ink, (max(1, int(ink.shape[1] * scale)), max(1, int(ink.shape[0] * scale))),
                         interpolation=cv2.INTER_AREA)
    top = int(rng.integers(EDGE_MARGIN, size - EDGE_MARGIN - ink.shape[0] + 1))
    left = int(rng.integers(EDGE_MARGIN, size - EDGE_MARGIN - ink.shape[1] + 1))
    moved = np.zeros_like(drawing)
    moved[top:top + ink.shape[0], left:left + ink.shape[1]] = ink
    return moved


def render_canvas_digits(digits: np.ndarray, seed: int = 0, canvas_size: int = CANVAS_SIZE) -> list[np.ndarray]:
    """Canvas drawings (RGBA) of many (n, 28, 28) uint8 MNIST digits, reproducible from a seed."""
    rng = np.random.default_rng(seed)
    return [render_canvas_digit(digit, rng, canvas_size) for digit in digits]
