"""Synthetic pictures for tests: forged and huge PNGs, and digits in a 'hand' an MNIST network misreads."""

import struct
import zlib

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
