"""Decode an uploaded PNG, JPEG or BMP safely into an RGB(A) or gray uint8 array (OpenCV imdecode)."""

import struct

import cv2
import numpy as np

from mnist_cnn import config

# The image types the Draw page accepts (file extensions for st.file_uploader).
UPLOAD_TYPES = ["png", "jpg", "jpeg", "bmp"]
# Each format's signature (first bytes of the file).
SIGNATURES = {"PNG": b"\x89PNG\r\n\x1a\n", "JPEG": b"\xff\xd8\xff", "BMP": b"BM"}


class UploadError(ValueError):
    """An upload that cannot be used; the message says why in words meant for the user."""


def detect_format(data: bytes) -> str | None:
    """'PNG', 'JPEG' or 'BMP' from the file's first bytes, else None."""
    for name, signature in SIGNATURES.items():
        if data.startswith(signature):
            return name
    return None


def read_jpeg_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) from a JPEG's start-of-frame marker, or None if there is none."""
    position = 2
    while position + 9 < len(data):
        if data[position] != 0xFF:
            return None
        marker = data[position + 1]
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:  # markers without a length
            position += 2
            continue
        length = struct.unpack(">H", data[position + 2:position + 4])[0]
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", data[position + 5:position + 9])
            return width, height
        position += 2 + length
    return None


def read_image_size(data: bytes, image_format: str) -> tuple[int, int] | None:
    """(width, height) from the file header, without decoding the pixels; None if the header is unreadable."""
    try:
        if image_format == "PNG" and len(data) >= 24:
            return struct.unpack(">II", data[16:24])
        if image_format == "BMP" and len(data) >= 26:
            width, height = struct.unpack("<ii", data[18:26])
            return abs(width), abs(height)
        if image_format == "JPEG":
            return read_jpeg_size(data)
    except struct.error:
        return None
    return None


def check_pixel_count(width: int, height: int) -> None:
    """Raise UploadError for an image with more pixels than config.MAX_UPLOAD_PIXELS."""
    if width * height > config.MAX_UPLOAD_PIXELS:
        raise UploadError(f"The image is {width:,} × {height:,} pixels; the limit is "
                          f"{config.MAX_UPLOAD_PIXELS / 1e6:.0f} megapixels. Please upload a smaller picture.")


def decode_upload(data: bytes) -> np.ndarray:
    """Decode PNG, JPEG or BMP bytes to uint8 gray (H, W), RGB (H, W, 3) or RGBA (H, W, 4).

    Raises UploadError, with a message meant for the user, for an empty, oversized, non-image,
    too-large-in-pixels, or damaged file.
    """
    if not data:
        raise UploadError("The file is empty.")
    if len(data) > config.MAX_UPLOAD_BYTES:
        raise UploadError(f"The file is {len(data) / 2**20:.1f} MB; the limit is "
                          f"{config.MAX_UPLOAD_BYTES / 2**20:.0f} MB.")
    image_format = detect_format(data)
    if image_format is None:
        raise UploadError("This file is not a PNG, JPEG or BMP image. Upload a photo or scan of a digit.")
    size = read_image_size(data, image_format)
    if size is None or 0 in size:
        raise UploadError(f"This {image_format} file is damaged: its header cannot be read.")
    check_pixel_count(*size)
    # JPEG photos are read in colour so that their EXIF orientation is applied; others keep their alpha.
    flags = cv2.IMREAD_COLOR if image_format == "JPEG" else cv2.IMREAD_UNCHANGED
    image = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), flags)
    if image is None or image.size == 0:
        raise UploadError(f"This {image_format} file is damaged or truncated and cannot be decoded.")
    check_pixel_count(image.shape[1], image.shape[0])
    if image.dtype == np.uint16:
        image = (image >> 8).astype(np.uint8)
    if image.dtype != np.uint8:
        raise UploadError(f"This {image_format} file has an unsupported pixel format ({image.dtype}).")
    if image.ndim == 3 and image.shape[2] == 3:
        return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
    if image.ndim == 3 and image.shape[2] == 4:
        return cv2.cvtColor(image, cv2.COLOR_BGRA2RGBA)
    if image.ndim == 3 and image.shape[2] == 1:
        return image[:, :, 0]
    return image
