"""Synthetic pictures for tests: forged and huge PNGs, and digits in a 'hand' an MNIST network misreads."""

import struct
import zlib

import cv2
import numpy as np


def png_chunk(kind: bytes, body: bytes) -> bytes:
    """One PNG chunk: length, type, body and CRC."""
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def make_forged_png(width, height):
    """A tiny PNG whose IHDR claims width × height RGBA pixels (its data holds one row only)."""
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    one_row = zlib.compress(b"\x00" + b"\x00" * 4 * min(width, 16))
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + png_chunk(b"IDAT", one_row) + png_chunk(b"IEND", b"")


def write_big_png(path, width, height, bit_depth=16):
    """A width × height RGB PNG (a dark bar on light paper), streamed row by row so the test stays small."""
    sample = np.dtype(">u2") if bit_depth == 16 else np.dtype(np.uint8)
    paper, ink = (np.iinfo(sample).max * 9 // 10, np.iinfo(sample).max // 10)
    rows = zlib.compressobj(6)
    light = b"\x00" + np.full(width * 3, paper, sample).tobytes()  # filter byte 0, then the samples
    dark_row = np.full((width, 3), paper, sample)
    dark_row[width * 2 // 5:width * 3 // 5] = ink
    dark = b"\x00" + dark_row.tobytes()
    compressed = [rows.compress(dark if height // 5 <= y < height * 4 // 5 else light) for y in range(height)]
    compressed.append(rows.flush())

    header = struct.pack(">IIBBBBB", width, height, bit_depth, 2, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + png_chunk(b"IDAT", b"".join(compressed))
                     + png_chunk(b"IEND", b""))


def write_sideways(images: np.ndarray) -> np.ndarray:
    """Digits turned a quarter turn: a 'hand' an MNIST network misreads."""
    return np.rot90(images, k=1, axes=(1, 2)).copy()


def write_in_a_personal_style(images: np.ndarray) -> np.ndarray:
    """Rotate digits 50 degrees and thicken them: a 'hand' the MNIST network has never seen."""
    rotation = cv2.getRotationMatrix2D((13.5, 13.5), -50, 1.0)
    styled = [cv2.dilate(cv2.warpAffine(image, rotation, (28, 28)), np.ones((2, 2), np.uint8))
              for image in images]
    return np.stack(styled)


def make_bar_digit() -> np.ndarray:
    """A (28, 28) float32 'digit' in [0, 1]: a bright vertical bar, enough for a store to keep."""
    image = np.zeros((28, 28), np.float32)
    image[6:22, 12:16] = 1.0
    return image
