"""Tests for the safe .npz reader: decompression bombs, lying headers and odd members are refused in bounded memory."""

import io
import struct
import tracemalloc
import zipfile

import numpy as np
import pytest
from numpy.lib import format as npy_format

from mnist_cnn import config
from mnist_cnn.my_digits.archive import DigitArchiveError, read_mnist_archive
from mnist_cnn.my_digits.collections import MyDigitsError, MyDigitsStore

# A refused import may grow the process by at most this much (issue 15: 50 MB over the baseline).
MAX_REFUSAL_BYTES = 50 * 2**20
# Digits a bomb declares: 200,000 × 784 bytes ≈ 157 MB once unpacked.
BOMB_DIGITS = 200_000


def npy_bytes(array: np.ndarray) -> bytes:
    """An array saved as .npy bytes."""
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return buffer.getvalue()


def make_archive(members: dict, method: int = zipfile.ZIP_DEFLATED) -> bytes:
    """A zip file of name -> bytes members, compressed with method."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=method) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def make_bomb(declared_digits: int, written_digits: int) -> bytes:
    """A deflated archive whose x_train.npy header declares declared_digits and holds written_digits of zeros."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        with archive.open("x_train.npy", "w") as member:
            npy_format.write_array_header_1_0(
                member, {"descr": "|u1", "fortran_order": False, "shape": (declared_digits, 28, 28)})
            chunk = bytes(28 * 28 * 1000)
            for _ in range(written_digits // 1000):
                member.write(chunk)
        archive.writestr("y_train.npy", npy_bytes(np.zeros(10, np.uint8)))
    return buffer.getvalue()


def understate_unpacked_size(data: bytes, name: bytes, size: int) -> bytes:
    """The archive with name's unpacked size rewritten as size in its local and central headers (a lying zip)."""
    data = bytearray(data)
    # (signature, offset of the unpacked size, of the name's length, of the name) in local and central headers
    for signature, size_offset, length_offset, name_offset in ((b"PK\x03\x04", 22, 26, 30),
                                                               (b"PK\x01\x02", 24, 28, 46)):
        position = data.find(signature)
        while position >= 0:
            (name_length,) = struct.unpack_from("<H", data, position + length_offset)
            if bytes(data[position + name_offset:position + name_offset + name_length]) == name:
                struct.pack_into("<I", data, position + size_offset, size)
            position = data.find(signature, position + 4)
    return bytes(data)


def refuse_with_bounded_memory(payload: bytes, tmp_path, message: str) -> int:
    """Import payload into a fresh store; assert it is refused with message; return the peak bytes allocated."""
    store = MyDigitsStore(tmp_path / "digits.sqlite3")
    tracemalloc.start()
    try:
        with pytest.raises(MyDigitsError, match=message):
            store.import_npz(payload)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert store.count_by_label() == dict.fromkeys(range(10), 0), "nothing was imported"
    assert peak < MAX_REFUSAL_BYTES, f"refusing the file took {peak / 2**20:.0f} MB"
    return peak


def test_a_deflate_bomb_declaring_200_000_digits_is_refused_before_it_is_unpacked(tmp_path):
    bomb = make_bomb(BOMB_DIGITS, BOMB_DIGITS)
    assert len(bomb) < 1_000_000  # ~157 MB of zeros in a few hundred KB
    refuse_with_bounded_memory(bomb, tmp_path, "more than 2,000 digits")


def test_a_npy_header_declaring_too_many_digits_is_refused_before_its_data(tmp_path):
    payload = make_bomb(BOMB_DIGITS, 1000)  # declared 200,000, holds 1,000: the zip size passes, the header not
    refuse_with_bounded_memory(payload, tmp_path, "declares 200000 digits")


def test_a_zip_entry_understating_its_unpacked_size_is_refused_in_bounded_memory(tmp_path):
    bomb = understate_unpacked_size(make_bomb(10, BOMB_DIGITS), b"x_train.npy", 28 * 28 * 10 + 128)
    refuse_with_bounded_memory(bomb, tmp_path, "not a readable .npz|does not match")


def test_a_npy_header_that_lies_about_its_shape_is_refused(tmp_path):
    payload = make_archive({"x_train.npy": npy_bytes(np.zeros((50, 28, 28), np.uint8)).replace(
        b"(50, 28, 28)", b"(5, 28, 28) "), "y_train.npy": npy_bytes(np.zeros(5, np.uint8))})
    refuse_with_bounded_memory(payload, tmp_path, "does not match its header")


@pytest.mark.parametrize("method", [zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA])
def test_bzip2_and_lzma_members_are_refused(tmp_path, method):
    payload = make_archive({"x_train.npy": npy_bytes(np.zeros((2, 28, 28), np.uint8)),
                            "y_train.npy": npy_bytes(np.zeros(2, np.uint8))}, method)
    refuse_with_bounded_memory(payload, tmp_path, "unsupported method")


def test_an_archive_with_thousands_of_members_is_refused_before_its_directory_is_read(tmp_path):
    payload = make_archive({f"junk{index}.npy": b"" for index in range(5000)}, zipfile.ZIP_STORED)
    refuse_with_bounded_memory(payload, tmp_path, "more than 16 members")


@pytest.mark.parametrize("members, message", [
    ({"x_train": np.zeros((3, 28, 28), np.uint8), "y_train": np.zeros(3, np.uint8),
      "x_test": np.zeros((2, 14, 14), np.uint8), "y_test": np.zeros(2, np.uint8)}, r"x_test must be uint8 of shape"),
    ({"x_train": np.zeros((3, 28, 28), np.float32), "y_train": np.zeros(3, np.uint8)}, "must be uint8"),
    ({"x_train": np.zeros((3, 28, 28), np.uint8), "y_train": np.zeros(4, np.uint8)}, "3 images but 4 labels"),
    ({"x_train": np.zeros((3, 28, 28), np.uint8), "y_train": np.array([1, 2, 12])}, "0-9"),
    ({"x_train": np.zeros((3, 28, 28), np.uint8), "y_train": np.array(["1", "2", "3"])}, "integer labels"),
])
def test_arrays_of_the_wrong_shape_type_or_count_get_a_clear_message(tmp_path, members, message):
    payload = make_archive({f"{name}.npy": npy_bytes(array) for name, array in members.items()})
    refuse_with_bounded_memory(payload, tmp_path, message)


def test_an_object_array_is_refused_from_its_header_without_unpickling(tmp_path):
    buffer = io.BytesIO()
    np.save(buffer, np.array([{"a": 1}, None, 3], dtype=object), allow_pickle=True)
    payload = make_archive({"x_train.npy": npy_bytes(np.zeros((3, 28, 28), np.uint8)),
                            "y_train.npy": buffer.getvalue()})
    refuse_with_bounded_memory(payload, tmp_path, "y_train declares")


def test_a_file_over_the_upload_limit_is_refused_unread(monkeypatch):
    with pytest.raises(DigitArchiveError, match="at most 1 MB"):
        read_mnist_archive(bytes(2 * 2**20), max_digits=10, max_bytes=2**20)


def test_both_pairs_are_read_and_other_members_are_ignored():
    x_train, x_test = np.full((3, 28, 28), 7, np.uint8), np.full((2, 28, 28), 9, np.uint8)
    payload = make_archive({"x_train.npy": npy_bytes(x_train), "y_train.npy": npy_bytes(np.array([1, 2, 3])),
                            "x_test.npy": npy_bytes(x_test), "y_test.npy": npy_bytes(np.array([[4], [5]])),
                            "notes.txt": b"ignored"})
    images, labels = read_mnist_archive(payload, max_digits=config.MAX_COLLECTION_DIGITS, max_bytes=2**20)
    assert images.shape == (5, 28, 28) and images.dtype == np.uint8 and images[4, 0, 0] == 9
    assert labels.tolist() == [1, 2, 3, 4, 5] and labels.dtype == np.uint8
