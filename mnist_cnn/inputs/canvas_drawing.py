"""A 28×28 drawing put back on the Draw page's canvas: its picture at the canvas's size and as a Fabric.js drawing."""

import base64

import cv2
import numpy as np

from mnist_cnn.config import CANVAS_SIZE
from mnist_cnn.inputs.images import DIGIT_SIZE, fit_into_square, to_grey_image


def render_on_canvas(drawing: np.ndarray, size: int = CANVAS_SIZE) -> np.ndarray:
    """The (28, 28) drawing enlarged to the canvas, white on black, as the canvas sends it: (size, size, 4) uint8."""
    grey = to_grey_image(drawing)  # (28, 28) float32 in [0, 1]
    if grey.shape != (DIGIT_SIZE, DIGIT_SIZE):
        raise ValueError(f"expected a (28, 28) drawing, got shape {grey.shape}")
    square = fit_into_square(grey, size)  # (size, size) uint8, sharp pixels
    opaque = np.full_like(square, 255)
    return np.stack([square, square, square, opaque], axis=-1)  # (size, size, 4)


def make_canvas_drawing(drawing: np.ndarray, size: int = CANVAS_SIZE) -> dict:
    """The drawing as streamlit-drawable-canvas's initial_drawing: one Fabric.js image that fills the canvas."""
    picture = render_on_canvas(drawing, size)[:, :, 0]  # (size, size) grey
    ok, encoded = cv2.imencode(".png", picture)
    if not ok:
        raise ValueError("the drawing could not be encoded as PNG")
    source = "data:image/png;base64," + base64.b64encode(encoded.tobytes()).decode("ascii")
    return {"objects": [{"type": "Image", "src": source, "left": 0, "top": 0, "width": size, "height": size,
                         "originX": "left", "originY": "top", "scaleX": 1, "scaleY": 1, "angle": 0,
                         "selectable": False, "evented": False}]}
