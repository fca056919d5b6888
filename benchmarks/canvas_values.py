"""The Draw page's canvas value for a drawing, as Chromium sends it: the Fabric.js paths and a PNG data URL."""

import base64
import json
import random

import cv2
import numpy as np

from mnist_cnn.config import CANVAS_SIZE, DEFAULT_PEN_WIDTH

# The canvas's pen and background, and the Fabric.js version streamlit-drawable-canvas 0.13 reports.
PEN_WIDTH = DEFAULT_PEN_WIDTH
PEN_COLOUR = "#FFFFFF"
BACKGROUND_COLOUR = "#000000"
FABRIC_VERSION = "7.4.0"

# Drawings as strokes of (x, y) points on the 300×300 canvas, with the digit a person means.
KNOWN_DRAWINGS = {
    "one": (1, [[(150, 45), (151, 100), (152, 160), (153, 210), (154, 255)]]),
    "zero": (0, [[(150 + 70 * np.sin(angle), 150 - 105 * np.cos(angle))
                  for angle in np.linspace(0, 2 * np.pi, 40)]]),
    "seven": (7, [[(80, 60), (150, 60), (220, 60), (190, 120), (160, 180), (135, 250)]]),
}


def render_canvas_png(strokes: list, pen_width: int = PEN_WIDTH, size: int = CANVAS_SIZE) -> bytes:
    """The PNG the canvas sends: (size, size) RGBA, black and opaque, with round white antialiased strokes."""
    image = np.zeros((size, size, 4), dtype=np.uint8)
    image[:, :, 3] = 255
    for stroke in strokes:
        points = np.round(np.asarray(stroke, dtype=np.float64) * 16).astype(np.int32)  # 4 fractional bits
        cv2.polylines(image, [points.reshape(-1, 1, 2)], False, (255, 255, 255, 255), pen_width,
                      cv2.LINE_AA, shift=4)
    ok, encoded = cv2.imencode(".png", image)
    if not ok:
        raise ValueError("the drawing could not be encoded as PNG")
    return encoded.tobytes()


def make_fabric_path(stroke: list, pen_width: int) -> dict:
    """One freehand stroke as the Fabric.js Path object the canvas reports (M, then quadratic segments)."""
    points = [(float(x), float(y)) for x, y in stroke]
    path = [["M", *points[0]]] + [["Q", *previous, *point] for previous, point in zip(points, points[1:])]
    xs, ys = [x for x, _ in points], [y for _, y in points]
    return {"type": "Path", "version": FABRIC_VERSION, "originX": "center", "originY": "center",
            "left": (min(xs) + max(xs)) / 2, "top": (min(ys) + max(ys)) / 2,
            "width": max(xs) - min(xs), "height": max(ys) - min(ys), "fill": None, "stroke": PEN_COLOUR,
            "strokeWidth": pen_width, "strokeLineCap": "round", "strokeLineJoin": "round", "scaleX": 1,
            "scaleY": 1, "angle": 0, "opacity": 1, "visible": True, "path": path}


def make_canvas_value(strokes: list, pen_width: int = PEN_WIDTH) -> str:
    """The canvas widget's JSON value for a drawing (no strokes: the cleared canvas)."""
    png = render_canvas_png(strokes, pen_width)
    drawing = {"raw": {"version": FABRIC_VERSION, "objects": [make_fabric_path(s, pen_width) for s in strokes],
                       "background": BACKGROUND_COLOUR},
               "data": "data:image/png;base64," + base64.b64encode(png).decode("ascii")}
    return json.dumps({"drawing": drawing}, separators=(",", ":"))


def jitter_strokes(strokes: list, generator: random.Random, pixels: float = 12.0) -> list:
    """The same drawing shifted a little, as a person never draws the same digit twice."""
    dx, dy = generator.uniform(-pixels, pixels), generator.uniform(-pixels, pixels)
    return [[(x + dx, y + dy) for x, y in stroke] for stroke in strokes]


EMPTY_CANVAS_VALUE = make_canvas_value([])

RENDERED_DRAWINGS = {}  # name -> (digit, [canvas values]), filled once per process


def render_known_drawings(variants: int = 6) -> dict:
    """name -> (digit, [canvas values]): each known drawing, slightly shifted, rendered once per process."""
    if not RENDERED_DRAWINGS:
        generator = random.Random(0)
        for name, (digit, strokes) in KNOWN_DRAWINGS.items():
            RENDERED_DRAWINGS[name] = (digit, [make_canvas_value(jitter_strokes(strokes, generator))
                                          for _ in range(variants)])
    return RENDERED_DRAWINGS
