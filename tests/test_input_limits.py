"""Size limits on what comes in (uploads, the canvas PNG, image arrays, digit archives, models): on the limit passes,
one past it is refused with a clear message."""

import io
import math
import zipfile

import cv2
import numpy as np
import pytest

import mnist_cnn.inputs.canvas_image as canvas_image
from mnist_cnn import config
from mnist_cnn.inputs.canvas_image import CanvasImageError, check_canvas_size, decode_canvas_png
from mnist_cnn.inputs.preprocess import PreprocessError, to_uint8_image
from mnist_cnn.inputs.uploads import (UploadError, check_pixel_count, choose_reduction, decode_upload,
                                      shrink_to_longest_side)
from mnist_cnn.my_digits.archive import MAX_ARCHIVE_ENTRIES, DigitArchiveError, read_mnist_archive
from mnist_cnn.my_digits.collections import MyDigitsError, read_mnist_layout
from mnist_cnn.store.exchange import MAX_MODEL_BYTES, ModelExchangeError, unpack_upload
from tests.support.pictures import make_forged_png


def png_bytes(image: np.ndarray) -> bytes:
    """PNG bytes of a gray (H, W) or BGR(A) uint8 array."""
    ok, data = cv2.imencode(".png", image)
    assert ok
    return data.tobytes()


def make_ring(height: int = 120, width: int = 90, channels: int = 3) -> np.ndarray:
    """A dark ring on light paper (BGR, BGRA with every pixel half transparent, or gray)."""
    picture = np.full((height, width, 3), 230, np.uint8)
    cv2.ellipse(picture, (width // 2, height // 2), (width // 4, height // 3), 0, 0, 360, (30, 30, 30), 8)
    if channels == 1:
        return picture[:, :, 0].copy()
    if channels == 4:
        return np.dstack([picture, np.full((height, width), 128, np.uint8)])
    return picture


def zip_of_exact_size(members: dict[str, bytes], size: int, compression=zipfile.ZIP_DEFLATED) -> bytes:
    """A zip of the members plus a stored 'padding.bin' member that makes the whole file exactly size bytes."""

    def build(padding: int) -> bytes:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
            for name, data in members.items():
                archive.writestr(name, data)
            archive.writestr("padding.bin", bytes(padding), compress_type=zipfile.ZIP_STORED)
        return buffer.getvalue()

    data = build(size - len(build(0)))
    assert len(data) == size
    return data


def npy_bytes(array: np.ndarray) -> bytes:
    """An array saved as .npy bytes."""
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return buffer.getvalue()


def digit_members(x_train: int, x_test: int | None = None, labels=None) -> dict[str, bytes]:
    """.npy members of an MNIST-layout archive with x_train (and x_test) digits of zeros."""
    members = {"x_train.npy": npy_bytes(np.zeros((x_train, 28, 28), np.uint8)),
               "y_train.npy": npy_bytes(np.zeros(x_train, np.uint8) if labels is None else np.asarray(labels))}
    if x_test is not None:
        members |= {"x_test.npy": npy_bytes(np.zeros((x_test, 28, 28), np.uint8)),
                    "y_test.npy": npy_bytes(np.zeros(x_test, np.uint8))}
    return members


def make_archive(members: dict[str, bytes]) -> bytes:
    """A deflated zip of the members."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


# ---------------------------------------------------------------------------------------------
# Uploaded pictures (mnist_cnn/inputs/uploads.py).
# ---------------------------------------------------------------------------------------------

def test_an_upload_of_exactly_the_byte_limit_is_decoded_and_one_byte_more_refused():
    picture = png_bytes(make_ring())
    padded = picture + bytes(config.MAX_UPLOAD_BYTES - len(picture))  # a decoder stops at IEND
    assert decode_upload(padded).shape == (120, 90, 3)
    with pytest.raises(UploadError, match="the limit is 5 MB"):
        decode_upload(padded + b"\0")


def test_the_pixel_limit_passes_exactly_max_upload_pixels_and_refuses_one_more():
    check_pixel_count(config.MAX_UPLOAD_PIXELS, 1)
    check_pixel_count(1, config.MAX_UPLOAD_PIXELS)
    for width, height in ((config.MAX_UPLOAD_PIXELS + 1, 1), (1, config.MAX_UPLOAD_PIXELS + 1)):
        with pytest.raises(UploadError, match="the limit is 25 megapixels"):
            check_pixel_count(width, height)


def test_a_picture_of_exactly_the_pixel_limit_is_decoded_and_one_pixel_over_refused(monkeypatch):
    data = png_bytes(make_ring())
    monkeypatch.setattr(config, "MAX_UPLOAD_PIXELS", 90 * 120)
    assert decode_upload(data).shape == (120, 90, 3)
    monkeypatch.setattr(config, "MAX_UPLOAD_PIXELS", 90 * 120 - 1)
    with pytest.raises(UploadError, match="90 × 120 pixels"):
        decode_upload(data)


def test_a_transparent_png_of_exactly_the_full_decode_limit_keeps_its_alpha_and_one_pixel_more_is_refused(
        monkeypatch):
    data = png_bytes(make_ring(channels=4))
    monkeypatch.setattr(config, "MAX_FULL_DECODE_PIXELS", 90 * 120)
    assert decode_upload(data).shape == (120, 90, 4)
    monkeypatch.setattr(config, "MAX_FULL_DECODE_PIXELS", 90 * 120 - 1)
    with pytest.raises(UploadError, match="transparent pictures may have at most"):
        decode_upload(data)


def test_an_opaque_picture_one_pixel_over_the_full_decode_limit_is_decoded_in_gray(monkeypatch):
    data = png_bytes(make_ring())
    monkeypatch.setattr(config, "MAX_FULL_DECODE_PIXELS", 90 * 120)
    assert decode_upload(data).shape == (120, 90, 3)
    monkeypatch.setattr(config, "MAX_FULL_DECODE_PIXELS", 90 * 120 - 1)
    assert decode_upload(data).shape == (120, 90)


@pytest.mark.parametrize(("longest", "factor"), [(999, 1), (1999, 1), (2000, 2), (3999, 2), (4000, 4), (7999, 4),
                                                 (8000, 8), (80_000, 8)])
def test_the_decoder_reduces_only_while_the_longest_side_stays_at_least_max_upload_side(longest, factor):
    assert config.MAX_UPLOAD_SIDE == 1000
    assert choose_reduction(longest, 3) == factor and choose_reduction(3, longest) == factor


@pytest.mark.parametrize(("width", "expected"), [(config.MAX_UPLOAD_SIDE, config.MAX_UPLOAD_SIDE),
                                                 (config.MAX_UPLOAD_SIDE + 1, config.MAX_UPLOAD_SIDE)])
def test_an_upload_as_wide_as_max_upload_side_is_kept_and_one_pixel_wider_is_shrunk(width, expected):
    picture = make_ring(height=20, width=width, channels=1)
    decoded = decode_upload(png_bytes(picture))
    assert decoded.shape == (20, expected)
    if width == expected:
        np.testing.assert_array_equal(decoded, picture)
    assert shrink_to_longest_side(picture, config.MAX_UPLOAD_SIDE).shape[1] == expected


# ---------------------------------------------------------------------------------------------
# The canvas's PNG (mnist_cnn/inputs/canvas_image.py).
# ---------------------------------------------------------------------------------------------

def test_a_canvas_png_of_exactly_the_byte_limit_is_decoded_and_one_byte_more_refused():
    drawing = png_bytes(make_ring(300, 300, channels=4))
    padded = drawing + bytes(canvas_image.MAX_CANVAS_PNG_BYTES - len(drawing))
    assert decode_canvas_png(padded).shape == (300, 300, 4)
    with pytest.raises(CanvasImageError, match="a canvas drawing is at most 8 MB"):
        decode_canvas_png(padded + b"\0")


def test_a_canvas_png_of_the_largest_side_is_decoded():
    side = canvas_image.MAX_CANVAS_SIZE
    assert side == 1200
    decoded = decode_canvas_png(png_bytes(np.zeros((side, side), np.uint8)))
    assert decoded.shape == (side, side, 4)


@pytest.mark.parametrize(("width", "height"), [(1201, 1200), (1200, 1201), (0, 1), (1, 0)])
def test_a_canvas_png_one_pixel_past_either_side_limit_is_refused_from_its_header(width, height):
    with pytest.raises(CanvasImageError, match=f"claims to be {width:,} × {height:,} pixels"):
        decode_canvas_png(make_forged_png(width, height))


@pytest.mark.parametrize(("width", "height"), [(1, 1), (1200, 1), (1, 1200), (1200, 1200)])
def test_every_canvas_size_on_the_limits_passes_the_check(width, height):
    check_canvas_size(width, height)


# ---------------------------------------------------------------------------------------------
# Image arrays handed to preprocessing (mnist_cnn/inputs/preprocess.py).
# ---------------------------------------------------------------------------------------------

def test_an_image_array_of_exactly_max_upload_pixels_is_taken_and_one_pixel_more_refused():
    on_limit = np.zeros((1, config.MAX_UPLOAD_PIXELS), np.uint8)  # zeros: no memory is touched
    assert to_uint8_image(on_limit).shape == on_limit.shape
    with pytest.raises(PreprocessError, match="the limit is 25,000,000"):
        to_uint8_image(np.zeros((1, config.MAX_UPLOAD_PIXELS + 1), np.uint8))


@pytest.mark.parametrize(("values", "expected"), [
    (np.full((2, 2), 255, np.int32), 255),
    (np.full((2, 2), 0, np.int64), 0),
    (np.full((2, 2), 255.0), 255),
    (np.full((2, 2), 1.0), 255),                          # at most 1: read as [0, 1] and scaled
    (np.full((2, 2), math.nextafter(1.0, 2.0)), 1),       # just over 1: read as [0, 255]
], ids=["int-255", "int-0", "float-255", "float-1", "float-just-over-1"])
def test_image_values_on_the_range_ends_are_taken(values, expected):
    assert to_uint8_image(values).max() == expected


@pytest.mark.parametrize(("values", "words"), [
    (np.full((2, 2), 256, np.int32), "Integer images must have values from 0 to 255"),
    (np.full((2, 2), -1, np.int32), "Integer images must have values from 0 to 255"),
    (np.full((2, 2), math.nextafter(255.0, 256.0)), r"Float images must have values in \[0, 1\] or \[0, 255\]"),
    (np.full((2, 2), math.nextafter(0.0, -1.0)), r"Float images must have values in \[0, 1\] or \[0, 255\]"),
], ids=["int-256", "int-minus-1", "float-just-over-255", "float-just-below-0"])
def test_image_values_one_past_the_range_are_refused(values, words):
    with pytest.raises(PreprocessError, match=words):
        to_uint8_image(values)


# ---------------------------------------------------------------------------------------------
# Digit archives (mnist_cnn/my_digits/archive.py and the My digits importer's size limit).
# ---------------------------------------------------------------------------------------------

def test_an_archive_of_exactly_max_bytes_is_read_and_one_byte_over_refused():
    payload = make_archive(digit_members(3))
    assert len(read_mnist_archive(payload, max_digits=10, max_bytes=len(payload))[0]) == 3
    with pytest.raises(DigitArchiveError, match=r"The file is .* MB; at most"):
        read_mnist_archive(payload, max_digits=10, max_bytes=len(payload) - 1)


def test_an_import_of_exactly_the_upload_limit_is_read_and_one_byte_more_refused():
    limit = config.MAX_DIGITS_UPLOAD_MB * 2**20
    images, labels = read_mnist_layout(zip_of_exact_size(digit_members(2), limit))
    assert images.shape == (2, 28, 28) and labels.tolist() == [0, 0]
    with pytest.raises(MyDigitsError, match="at most 4 MB"):
        read_mnist_layout(zip_of_exact_size(digit_members(2), limit + 1))


def test_an_archive_with_the_most_members_allowed_is_read_and_one_member_more_refused():
    members = digit_members(1)
    junk = {f"junk{index}.txt": b"" for index in range(MAX_ARCHIVE_ENTRIES - len(members))}
    assert len(read_mnist_archive(make_archive(members | junk), max_digits=10, max_bytes=2**20)[0]) == 1
    with pytest.raises(DigitArchiveError, match=f"more than {MAX_ARCHIVE_ENTRIES} members"):
        read_mnist_archive(make_archive(members | junk | {"one_more.txt": b""}), max_digits=10, max_bytes=2**20)


def test_a_member_of_exactly_max_digits_is_read_and_one_digit_more_refused_from_its_header():
    assert len(read_mnist_archive(make_archive(digit_members(5)), max_digits=5, max_bytes=2**20)[0]) == 5
    with pytest.raises(DigitArchiveError, match="x_train declares 6 digits; at most 5 can be imported"):
        read_mnist_archive(make_archive(digit_members(6)), max_digits=5, max_bytes=2**20)


def test_both_pairs_together_may_hold_exactly_max_digits_and_not_one_more():
    images, _ = read_mnist_archive(make_archive(digit_members(3, x_test=2)), max_digits=5, max_bytes=2**20)
    assert len(images) == 5
    with pytest.raises(DigitArchiveError, match="The file holds 5 digits; at most 4 can be imported"):
        read_mnist_archive(make_archive(digit_members(3, x_test=2)), max_digits=4, max_bytes=2**20)


@pytest.mark.parametrize(("labels", "kept"), [([0, 9], True), ([0, 10], False), (np.array([0, -1], np.int8), False)],
                         ids=["0-and-9", "10", "minus-1"])
def test_labels_0_and_9_are_read_and_one_past_either_end_refused(labels, kept):
    payload = make_archive(digit_members(2, labels=labels))
    if kept:
        assert read_mnist_archive(payload, max_digits=10, max_bytes=2**20)[1].tolist() == [0, 9]
    else:
        with pytest.raises(DigitArchiveError, match="Labels must be integers 0-9"):
            read_mnist_archive(payload, max_digits=10, max_bytes=2**20)


# ---------------------------------------------------------------------------------------------
# Uploaded models (mnist_cnn/store/exchange.py).
# ---------------------------------------------------------------------------------------------

def test_a_keras_file_of_exactly_max_model_bytes_is_unpacked_and_one_byte_more_refused():
    keras_file = zip_of_exact_size({"config.json": b"{}"}, MAX_MODEL_BYTES)
    assert unpack_upload(keras_file) == keras_file
    with pytest.raises(ModelExchangeError, match="the limit is 5 MB"):
        unpack_upload(zip_of_exact_size({"config.json": b"{}"}, MAX_MODEL_BYTES + 1))


@pytest.mark.parametrize("size", [MAX_MODEL_BYTES, MAX_MODEL_BYTES + 1], ids=["on-limit", "one-past"])
def test_a_model_inside_a_zip_may_unpack_to_exactly_max_model_bytes(size):
    payload = make_archive({"mine.keras": bytes(size), "mine.json": b"{}"})  # zeros: a small zip
    assert len(payload) < MAX_MODEL_BYTES
    if size == MAX_MODEL_BYTES:
        assert len(unpack_upload(payload)) == MAX_MODEL_BYTES
    else:
        with pytest.raises(ModelExchangeError, match="The model inside the zip is larger than 5 MB"):
            unpack_upload(payload)
