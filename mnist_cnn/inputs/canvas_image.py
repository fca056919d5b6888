"""Decode the drawing canvas's PNG, as sent by the browser, safely: PNG only, its size checked before decoding."""

import struct

import cv2
import numpy as np

from mnist_cnn.config import CANVAS_SIZE

# The canvas is CANVAS_SIZE CSS pixels square; a high-density screen sends up to this many device pixels per CSS pixel.
MAX_DEVICE_PIXEL_RATIO = 4
MAX_CANVAS_SIZE = CANVAS_SIZE * MAX_DEVICE_PIXEL_RATIO
# A 1200 × 1200 RGBA drawing is 5.8 MB raw; a PNG of it is smaller (random noise adds little).
MAX_CANVAS_PNG_BYTES = 8 * 2**20
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


class CanvasImageError(ValueError):
    """What the browser sent as the canvas's drawing is not a usable PNG; the message says why."""


def read_png_size(data: bytes) -> tuple[int, int]:
    """(width, height) from a PNG's IHDR chunk; CanvasImageError when it is not a PNG with one."""
    if not data.startswith(PNG_SIGNATURE):
        raise CanvasImageError("it is not a PNG image.")
    if len(data) < 33 or data[8:16] != struct.pack(">I", 13) + b"IHDR":
        raise CanvasImageError("its PNG header is missing or damaged.")
    return struct.unpack(">II", data[16:24])


def check_canvas_size(width: int, height: int) -> None:
    """Raise CanvasImageError unless the size fits the canvas (up to MAX_CANVAS_SIZE on each side)."""
    if not (1 <= width <= MAX_CANVAS_SIZE and 1 <= height <= MAX_CANVAS_SIZE):
        raise CanvasImageError(f"it claims to be {width:,} × {height:,} pixels; the canvas is {CANVAS_SIZE} × "
                               f"{CANVAS_SIZE} (at most {MAX_CANVAS_SIZE} × {MAX_CANVAS_SIZE} on a "
                               "high-density screen).")


def to_rgba(image: np.ndarray) -> np.ndarray:
    """OpenCV's decoded gray, BGR or BGRA image (8 or 16 bits) as RGBA uint8 (H, W, 4)."""
    if image.dtype == np.uint16:
        image = (image >> 8).astype(np.uint8)
    if image.ndim == 3 and image.shape[2] == 1:
        image = image[:, :, 0]
    if image.ndim == 2:
        return cv2.cvtColor(image, cv2.COLOR_GRAY2RGBA)
    if image.shape[2] == 3:
        return cv2.cvtColor(image, cv2.COLOR_BGR2RGBA)
    return cv2.cvtColor(image, cv2.COLOR_BGRA2RGBA)


def decode_canvas_png(data: bytes) -> np.ndarray:
    """The canvas's PNG bytes as an RGBA uint8 array (H, W, 4); CanvasImageError for anything else.

    Only PNG is accepted; its size is read from the header and checked before any pixel is decoded.
    """
    if not isinstance(data, (bytes, bytearray)) or not data:
        raise CanvasImageError("it is empty.")
    if len(data) > MAX_CANVAS_PNG_BYTES:
        raise CanvasImageError(f"it is {len(data) / 2**20:.1f} MB; a canvas drawing is at most "
                               f"{MAX_CANVAS_PNG_BYTES // 2**20} MB.")
    width, height = read_png_size(bytes(data[:33]))
    check_canvas_size(width, height)
    try:
        image = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_UNCHANGED)
    except cv2.error:
        image = None
    if image is None or image.shape[:2] != (height, width) or image.dtype not in (np.uint8, np.uint16):
        raise CanvasImageError("its PNG data is damaged or truncated.")
    return to_rgba(image)  # (height, width, 4)
