"""Decoding the canvas's PNG: only PNGs of the canvas's size are decoded; anything else gets a clear message."""


import cv2
import numpy as np
import pytest

from mnist_cnn.inputs.canvas_image import CanvasImageError, decode_canvas_png
import mnist_cnn.inputs.canvas_image as canvas_image
from tests.support.pictures import make_forged_png


def make_drawing(side=300):
    """An RGBA canvas drawing: a white ring on black, fully opaque."""
    drawing = np.zeros((side, side, 4), np.uint8)
    drawing[:, :, 3] = 255
    cv2.circle(drawing, (side // 2, side // 2), side // 4, (255, 255, 255, 255), side // 12)
    return drawing


def encode_png(rgba):
    """PNG bytes of an RGBA array, as a browser's canvas.toDataURL() would send (after base64)."""
    ok, data = cv2.imencode(".png", cv2.cvtColor(rgba, cv2.COLOR_RGBA2BGRA))
    assert ok
    return data.tobytes()


@pytest.mark.parametrize("side", [300, 600], ids=["device-pixel-ratio-1", "device-pixel-ratio-2"])
def test_a_canvas_png_decodes_to_rgba(side):
    drawing = make_drawing(side)
    decoded = decode_canvas_png(encode_png(drawing))
    assert decoded.shape == (side, side, 4) and decoded.dtype == np.uint8
    np.testing.assert_array_equal(decoded, drawing)


def test_gray_and_sixteen_bit_pngs_become_rgba():
    gray = make_drawing()[:, :, 0]
    ok, data = cv2.imencode(".png", gray.astype(np.uint16) * 257)
    decoded = decode_canvas_png(data.tobytes())
    assert decoded.shape == (300, 300, 4)
    np.testing.assert_array_equal(decoded[:, :, 0], gray)
    assert (decoded[:, :, 3] == 255).all()


def test_a_9000_pixel_png_is_refused_from_its_header_before_decoding(monkeypatch):
    decodes = []
    monkeypatch.setattr(canvas_image.cv2, "imdecode", lambda *args: decodes.append(args))
    with pytest.raises(CanvasImageError, match="9,000 × 9,000"):
        decode_canvas_png(make_forged_png(9000, 9000))
    assert decodes == []  # the pixels were never decoded


@pytest.mark.parametrize("data, words", [
    (b"", "empty"),
    (b"\x00\x01garbage" * 100, "not a PNG"),
    (cv2.imencode(".jpg", np.zeros((300, 300, 3), np.uint8))[1].tobytes(), "not a PNG"),
    (b"GIF89a\x2c\x01\x2c\x01\x00\x00\x00;", "not a PNG"),
    (b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 300 300\n", "not a PNG"),
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "header"),
    (make_forged_png(0, 300), "0 × 300"),
    (make_forged_png(300, 300), "damaged"),  # the header says 300 rows; the data holds one
], ids=["empty", "garbage", "jpeg", "gif", "eps", "no-ihdr", "zero-width", "truncated-pixels"])
def test_anything_but_a_canvas_png_is_refused_with_a_message(data, words):
    with pytest.raises(CanvasImageError, match=words):
        decode_canvas_png(data)


def test_a_png_too_large_in_bytes_is_refused(monkeypatch):
    data = encode_png(make_drawing())
    monkeypatch.setattr(canvas_image, "MAX_CANVAS_PNG_BYTES", len(data) - 1)
    with pytest.raises(CanvasImageError, match="MB"):
        decode_canvas_png(data)


def test_no_code_reads_the_canvas_through_pillow():
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    sources = [path for folder in ("pages", "ui", "mnist_cnn") for path in (root / folder).rglob("*.py")]
    offenders = [str(path.relative_to(root)) for path in sources + [root / "app.py"]
                 if ".image_data" in path.read_text()]
    assert offenders == []
