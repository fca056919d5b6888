"""Decoding uploaded pictures: PNG, JPEG and BMP work; empty, huge, non-image and damaged files get clear errors."""

import struct
import zlib

import cv2
import numpy as np
import pytest

from mnist_cnn import config
from mnist_cnn.preprocess import preprocess_drawing
from mnist_cnn.uploads import UploadError, decode_upload, detect_format, read_image_size


def make_picture(height=120, width=90):
    """An RGB picture of a dark '0' on light paper with a slightly blue tint."""
    picture = np.full((height, width, 3), (225, 230, 240), np.uint8)
    cv2.ellipse(picture, (width // 2, height // 2), (width // 4, height // 3), 0, 0, 360, (30, 30, 40), 8)
    return picture


def encode(image, extension, *params):
    """Image bytes as written by OpenCV (image given in RGB/RGBA or gray)."""
    if image.ndim == 3:
        image = cv2.cvtColor(image, cv2.COLOR_RGB2BGR if image.shape[2] == 3 else cv2.COLOR_RGBA2BGRA)
    ok, data = cv2.imencode(extension, image, list(params))
    assert ok
    return data.tobytes()


@pytest.mark.parametrize("extension, name", [(".png", "PNG"), (".jpg", "JPEG"), (".bmp", "BMP")])
def test_each_format_decodes_to_rgb(extension, name):
    picture = make_picture()
    data = encode(picture, extension)
    assert detect_format(data) == name
    assert read_image_size(data, name) == (90, 120)
    decoded = decode_upload(data)
    assert decoded.shape == (120, 90, 3) and decoded.dtype == np.uint8
    assert np.abs(decoded.astype(int) - picture.astype(int)).mean() < 3  # RGB order kept (JPEG is lossy)


def test_gray_and_rgba_png_keep_their_channels():
    gray = make_picture()[:, :, 0]
    assert decode_upload(encode(gray, ".png")).shape == (120, 90)
    rgba = np.dstack([make_picture(), np.full((120, 90), 200, np.uint8)])
    decoded = decode_upload(encode(rgba, ".png"))
    assert decoded.shape == (120, 90, 4)
    np.testing.assert_array_equal(decoded, rgba)


def test_sixteen_bit_png_becomes_eight_bit():
    deep = (make_picture()[:, :, 0].astype(np.uint16) * 257)
    decoded = decode_upload(encode(deep, ".png"))
    assert decoded.dtype == np.uint8
    np.testing.assert_array_equal(decoded, make_picture()[:, :, 0])


def test_a_photo_of_a_digit_goes_through_the_pipeline():
    decoded = decode_upload(encode(make_picture(), ".jpg", cv2.IMWRITE_JPEG_QUALITY, 80))
    model_input = preprocess_drawing(decoded).model_input
    assert model_input is not None and model_input.shape == (28, 28)
    assert model_input[14, 14] < 0.2 and model_input.max() > 0.9  # a ring: dark hole, bright ink


def test_empty_file_is_refused():
    with pytest.raises(UploadError, match="empty"):
        decode_upload(b"")


def test_oversized_file_is_refused(monkeypatch):
    data = encode(make_picture(), ".png")
    monkeypatch.setattr(config, "MAX_UPLOAD_BYTES", len(data) - 1)
    with pytest.raises(UploadError, match="limit"):
        decode_upload(data)


@pytest.mark.parametrize("data", [b"hello, I am a text file\n", b"%PDF-1.7\n...", b"GIF89a\x01\x00\x01\x00",
                                  b"\x00" * 100], ids=["text", "pdf", "gif", "zeros"])
def test_non_images_are_refused(data):
    with pytest.raises(UploadError, match="not a PNG, JPEG or BMP"):
        decode_upload(data)


@pytest.mark.parametrize("extension", [".png", ".jpg", ".bmp"])
def test_truncated_files_are_refused(extension):
    data = encode(make_picture(), extension)
    with pytest.raises(UploadError, match="damaged"):
        decode_upload(data[:len(data) // 3] if extension != ".jpg" else data[:20])


def test_corrupted_png_body_is_refused():
    data = bytearray(encode(make_picture(), ".png"))
    data[60:200] = b"\x00" * 140  # the compressed pixels are now garbage
    with pytest.raises(UploadError, match="damaged"):
        decode_upload(bytes(data))


def make_png_header(width, height):
    """A PNG signature and IHDR chunk claiming the given size (no pixel data)."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    chunk = struct.pack(">I", len(header)) + b"IHDR" + header
    return b"\x89PNG\r\n\x1a\n" + chunk + struct.pack(">I", zlib.crc32(b"IHDR" + header))


def test_too_many_pixels_are_refused_before_decoding():
    with pytest.raises(UploadError, match="megapixels"):
        decode_upload(make_png_header(100_000, 100_000) + b"\x00" * 100)


def test_pixel_limit_applies_to_real_images(monkeypatch):
    monkeypatch.setattr(config, "MAX_UPLOAD_PIXELS", 1000)
    with pytest.raises(UploadError, match="megapixels|limit"):
        decode_upload(encode(make_picture(), ".bmp"))
