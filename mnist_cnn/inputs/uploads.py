"""Decode an uploaded PNG, JPEG or BMP safely into an RGB(A) or gray uint8 array (OpenCV imdecode)."""

import struct

import cv2
import numpy as np

from mnist_cnn import config

# The image types the Draw page accepts (file extensions for st.file_uploader).
UPLOAD_TYPES = ["png", "jpg", "jpeg", "bmp"]
# Each format's signature (first bytes of the file).
SIGNATURES = {"PNG": b"\x89PNG\r\n\x1a\n", "JPEG": b"\xff\xd8\xff", "BMP": b"BM"}
# Start-of-frame markers of progressive JPEGs (Huffman or arithmetic coded, with or without hierarchy).
PROGRESSIVE_JPEG_MARKERS = (0xC2, 0xC6, 0xCA, 0xCE)
# The info-header size field of an OS/2 1.x bitmap (BITMAPCOREHEADER), bytes 14-17 of the file.
OS2_BMP_HEADER_SIZE = struct.pack("<I", 12)


class UploadError(ValueError):
    """An upload that cannot be used; the message says why in words meant for the user."""


def detect_format(data: bytes) -> str | None:
    """'PNG', 'JPEG' or 'BMP' from the file's first bytes, else None."""
    for name, signature in SIGNATURES.items():
        if data.startswith(signature):
            return name
    return None


def read_jpeg_frame(data: bytes) -> tuple[int, int, int] | None:
    """(width, height, start-of-frame marker) of a JPEG, or None if it has no readable frame header.

    Any number of 0xFF fill bytes may precede a marker (JPEG standard, B.1.1.2).
    """
    position = 2
    while position + 1 < len(data):
        if data[position] != 0xFF:
            return None
        while position + 1 < len(data) and data[position + 1] == 0xFF:  # fill bytes
            position += 1
        if position + 1 >= len(data):
            return None
        marker = data[position + 1]
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:  # markers without a length
            position += 2
            continue
        if position + 9 > len(data):
            return None
        length = struct.unpack(">H", data[position + 2:position + 4])[0]
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", data[position + 5:position + 9])
            return width, height, marker
        if length < 2:
            return None
        position += 2 + length
    return None


def read_jpeg_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) from a JPEG's start-of-frame marker, or None if there is none."""
    frame = read_jpeg_frame(data)
    return frame[:2] if frame else None


def is_progressive_jpeg(data: bytes) -> bool:
    """True for a progressive JPEG, whose decoder keeps every DCT coefficient of the image in memory."""
    frame = read_jpeg_frame(data)
    return frame is not None and frame[2] in PROGRESSIVE_JPEG_MARKERS


def read_bmp_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) from a BMP's info header: Windows (40+ bytes) or OS/2 BITMAPCOREHEADER (12 bytes)."""
    if len(data) < 18:
        return None
    header_size = struct.unpack("<I", data[14:18])[0]
    if data[14:18] == OS2_BMP_HEADER_SIZE and len(data) >= 22:
        return struct.unpack("<HH", data[18:22])  # OS/2 1.x: unsigned 16-bit width and height
    if header_size >= 40 and len(data) >= 26:
        width, height = struct.unpack("<ii", data[18:26])  # a negative height means top-down rows
        return abs(width), abs(height)
    return None


def read_image_size(data: bytes, image_format: str) -> tuple[int, int] | None:
    """(width, height) from the file header, without decoding the pixels; None if the header is unreadable."""
    try:
        if image_format == "PNG" and len(data) >= 24 and data[12:16] == b"IHDR":
            return struct.unpack(">II", data[16:24])
        if image_format == "BMP":
            return read_bmp_size(data)
        if image_format == "JPEG":
            return read_jpeg_size(data)
    except struct.error:
        return None
    return None


def png_has_alpha(data: bytes) -> bool:
    """True for a PNG with transparency: an alpha channel (gray + alpha, RGBA) or a tRNS chunk."""
    first_pixels = data.find(b"IDAT")
    return (len(data) > 25 and data[25] in (4, 6)) or b"tRNS" in data[:first_pixels if first_pixels > 0 else 0]


def check_pixel_count(width: int, height: int) -> None:
    """Raise UploadError for an image with more pixels than config.MAX_UPLOAD_PIXELS."""
    if width * height > config.MAX_UPLOAD_PIXELS:
        raise UploadError(f"The image is {width:,} × {height:,} pixels; the limit is "
                          f"{config.MAX_UPLOAD_PIXELS / 1e6:.0f} megapixels. Please upload a smaller picture.")


def choose_reduction(width: int, height: int) -> int:
    """The largest of 1, 2, 4, 8 that still leaves the longest side at least config.MAX_UPLOAD_SIDE."""
    longest = max(width, height)
    return max(factor for factor in (1, 2, 4, 8) if factor == 1 or longest // factor >= config.MAX_UPLOAD_SIDE)


def choose_decode_flags(data: bytes, image_format: str, width: int, height: int) -> int:
    """OpenCV imdecode flags that keep the decoder's memory bounded for this picture.

    JPEGs are decoded in colour (so that their EXIF orientation is applied), scaled down inside the decoder;
    large progressive ones are refused, as their decoder holds every coefficient.
    Other formats keep their alpha up to config.MAX_FULL_DECODE_PIXELS; larger ones are decoded in 8-bit gray,
    then reduced, so the decoder holds at most one byte per pixel. Raises UploadError for a large transparent PNG or
    progressive JPEG.
    """
    reduction = choose_reduction(width, height)
    if image_format == "JPEG" and width * height > config.MAX_FULL_DECODE_PIXELS and is_progressive_jpeg(data):
        raise UploadError(f"This progressive JPEG is {width:,} × {height:,} pixels; progressive JPEGs may have at "
                          f"most {config.MAX_FULL_DECODE_PIXELS / 1e6:.0f} megapixels. Please upload a smaller "
                          "picture, or save it as a standard (baseline) JPEG or PNG.")
    if image_format == "JPEG":
        return {1: cv2.IMREAD_COLOR, 2: cv2.IMREAD_REDUCED_COLOR_2, 4: cv2.IMREAD_REDUCED_COLOR_4,
                8: cv2.IMREAD_REDUCED_COLOR_8}[reduction]
    if width * height <= config.MAX_FULL_DECODE_PIXELS:
        is_os2_bitmap = image_format == "BMP" and data[14:18] == OS2_BMP_HEADER_SIZE
        # OpenCV reads an OS/2 bitmap as gray unless asked for colour; it has no alpha anyway.
        return cv2.IMREAD_COLOR if is_os2_bitmap else cv2.IMREAD_UNCHANGED
    if image_format == "PNG" and png_has_alpha(data):
        raise UploadError(f"This transparent PNG is {width:,} × {height:,} pixels; transparent pictures may have "
                          f"at most {config.MAX_FULL_DECODE_PIXELS / 1e6:.0f} megapixels. Please upload a "
                          "smaller picture or one without transparency.")
    return {1: cv2.IMREAD_GRAYSCALE, 2: cv2.IMREAD_REDUCED_GRAYSCALE_2, 4: cv2.IMREAD_REDUCED_GRAYSCALE_4,
            8: cv2.IMREAD_REDUCED_GRAYSCALE_8}[reduction]


def shrink_to_longest_side(image: np.ndarray, longest_side: int) -> np.ndarray:
    """The image scaled down (area averaging) so its longest side is at most longest_side; smaller ones as is."""
    scale = longest_side / max(image.shape[:2])
    if scale >= 1:
        return image
    size = (max(1, round(image.shape[1] * scale)), max(1, round(image.shape[0] * scale)))  # (width, height)
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA)


def decode_upload(data: bytes) -> np.ndarray:
    """Decode PNG, JPEG or BMP bytes to uint8 gray (H, W), RGB (H, W, 3) or RGBA (H, W, 4).

    The result's longest side is at most config.MAX_UPLOAD_SIDE. Raises UploadError, with a message meant for
    the user, for an empty, oversized, non-image, too-large-in-pixels, or damaged file.
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
    flags = choose_decode_flags(data, image_format, *size)
    try:
        image = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), flags)
    except cv2.error:
        image = None
    if image is None or image.size == 0:
        raise UploadError(f"This {image_format} file is damaged or truncated and cannot be decoded.")
    check_pixel_count(image.shape[1], image.shape[0])
    if image.dtype == np.uint16:
        image = (image >> 8).astype(np.uint8)
    if image.dtype != np.uint8:
        raise UploadError(f"This {image_format} file has an unsupported pixel format ({image.dtype}).")
    image = shrink_to_longest_side(image, config.MAX_UPLOAD_SIDE)  # (H, W[, C]) with max(H, W) <= 1000
    if image.ndim == 3 and image.shape[2] == 3:
        return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
    if image.ndim == 3 and image.shape[2] == 4:
        return cv2.cvtColor(image, cv2.COLOR_BGRA2RGBA)
    if image.ndim == 3 and image.shape[2] == 1:
        return image[:, :, 0]
    return image
