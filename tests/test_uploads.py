"""Decoding uploaded pictures: PNG, JPEG and BMP work; empty, huge, non-image and damaged files get clear errors."""

import struct
import subprocess
import sys
import textwrap
from pathlib import Path

import cv2
import numpy as np
import pytest

from mnist_cnn import config
from mnist_cnn.inputs.preprocess import preprocess_drawing
from mnist_cnn.inputs.uploads import UploadError, decode_upload, detect_format, read_image_size
from tests.support.pictures import png_chunk, write_big_png

PROJECT_ROOT = Path(__file__).resolve().parent.parent


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
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header)


def test_too_many_pixels_are_refused_before_decoding():
    with pytest.raises(UploadError, match="megapixels"):
        decode_upload(make_png_header(100_000, 100_000) + b"\x00" * 100)


def test_pixel_limit_applies_to_real_images(monkeypatch):
    monkeypatch.setattr(config, "MAX_UPLOAD_PIXELS", 1000)
    with pytest.raises(UploadError, match="megapixels|limit"):
        decode_upload(encode(make_picture(), ".bmp"))


def insert_fill_bytes(jpeg: bytes, count: int = 5) -> bytes:
    """The JPEG with `count` extra 0xFF fill bytes before every marker after the first (allowed by the standard)."""
    output, position = bytearray(jpeg[:2]), 2
    while position < len(jpeg):
        marker = jpeg[position + 1]
        if marker == 0xDA:  # start of scan: copy the rest (entropy-coded data) unchanged
            output += b"\xff" * count + jpeg[position:]
            break
        length = struct.unpack(">H", jpeg[position + 2:position + 4])[0]
        output += b"\xff" * count + jpeg[position:position + 2 + length]
        position += 2 + length
    return bytes(output)


def make_os2_bmp(rgb: np.ndarray) -> bytes:
    """An OS/2 1.x BMP (12-byte BITMAPCOREHEADER, 24-bit, bottom-up rows) of an RGB picture."""
    height, width, _ = rgb.shape
    row_size = (width * 3 + 3) & ~3
    rows = [rgb[y, :, ::-1].tobytes() + b"\x00" * (row_size - width * 3) for y in range(height - 1, -1, -1)]
    pixels = b"".join(rows)
    file_header = struct.pack("<2sIHHI", b"BM", 14 + 12 + len(pixels), 0, 0, 14 + 12)
    core_header = struct.pack("<IHHHH", 12, width, height, 1, 24)
    return file_header + core_header + pixels


def test_a_jpeg_with_fill_bytes_before_its_markers_is_accepted():
    plain = encode(make_picture(), ".jpg")
    filled = insert_fill_bytes(plain)
    assert len(filled) > len(plain) and b"\xff\xff\xff\xff\xff\xc0" in filled
    assert read_image_size(filled, "JPEG") == (90, 120)
    np.testing.assert_array_equal(decode_upload(filled), decode_upload(plain))


def test_an_os2_bitmap_is_accepted():
    picture = make_picture()
    data = make_os2_bmp(picture)
    assert read_image_size(data, "BMP") == (90, 120)
    decoded = decode_upload(data)
    assert decoded.shape == (120, 90, 3)
    np.testing.assert_array_equal(decoded, picture)


@pytest.mark.parametrize("data", [b"BM" + b"\x00" * 12 + struct.pack("<I", 7) + b"\x00" * 20,
                                  b"\xff\xd8" + b"\xff" * 50, b"\xff\xd8\xff\xe0\x00\x01"],
                         ids=["bmp-unknown-header", "jpeg-only-fill", "jpeg-bad-length"])
def test_unreadable_headers_are_refused(data):
    with pytest.raises(UploadError, match="damaged"):
        decode_upload(data)


# Decodes one file in a fresh interpreter and prints its growth in peak memory (bytes): resident set (which
# sees OpenCV's own buffers) and tracemalloc (Python and NumPy allocations only), then the result's shape.
DECODE_AND_MEASURE = textwrap.dedent("""
    import resource, sys, tracemalloc
    import cv2, numpy as np
    from mnist_cnn.inputs.uploads import decode_upload
    data = open(sys.argv[1], "rb").read()
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    image = decode_upload(data)
    traced_peak = tracemalloc.get_traced_memory()[1]
    resident_growth = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - baseline) * 1024
    print(resident_growth, traced_peak, *image.shape)
""")


@pytest.mark.parametrize("extension", [".png", ".jpg"])
def test_a_5000_pixel_picture_is_decoded_small_with_bounded_memory(tmp_path, extension):
    path = tmp_path / f"big{extension}"
    write_big_png(tmp_path / "big.png", 5000, 5000)  # 16-bit RGB: 150 MB of pixels if decoded in full
    if extension == ".jpg":
        picture = cv2.imread(str(tmp_path / "big.png"), cv2.IMREAD_REDUCED_COLOR_2)
        path.write_bytes(encode(cv2.resize(picture, (5000, 5000)), ".jpg"))
    assert path.stat().st_size < config.MAX_UPLOAD_BYTES
    output = subprocess.run([sys.executable, "-c", DECODE_AND_MEASURE, str(path)], cwd=PROJECT_ROOT,
                            capture_output=True, text=True, timeout=120, check=True).stdout.split()
    resident_growth, traced_peak, *shape = map(int, output)
    assert max(shape[:2]) == config.MAX_UPLOAD_SIDE  # shrunk at once, the aspect ratio kept
    assert resident_growth < 60 * 2**20, f"peak memory grew by {resident_growth / 2**20:.0f} MB"
    assert traced_peak < 30 * 2**20, f"Python/NumPy peak {traced_peak / 2**20:.0f} MB"


def test_a_large_transparent_png_is_refused_with_a_message():
    header = struct.pack(">IIBBBBB", 3000, 3000, 8, 6, 0, 0, 0)  # 9 MP, RGBA
    data = b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header)
    with pytest.raises(UploadError, match="transparent"):
        decode_upload(data)


def test_a_large_progressive_jpeg_is_refused_and_a_small_one_decoded(monkeypatch):
    data = encode(make_picture(), ".jpg", cv2.IMWRITE_JPEG_PROGRESSIVE, 1)
    assert decode_upload(data).shape == (120, 90, 3)
    monkeypatch.setattr(config, "MAX_FULL_DECODE_PIXELS", 90 * 120 - 1)
    with pytest.raises(UploadError, match="progressive JPEG"):
        decode_upload(data)
    assert decode_upload(encode(make_picture(), ".jpg")).shape == (120, 90, 3)  # baseline: decoded reduced
