"""Read an uploaded MNIST-layout .npz safely: sizes, methods and array headers are checked before any data is read."""

import io
import struct
import zipfile
import zlib

import numpy as np
from numpy.lib import format as npy_format

# The (images, labels) member pairs an MNIST-layout archive may hold; other members are never read.
ARRAY_PAIRS = (("x_train", "y_train"), ("x_test", "y_test"))
# Only these compression methods are decompressed (bzip2 and lzma can expand a few bytes into gigabytes).
ALLOWED_METHODS = {zipfile.ZIP_STORED: "stored", zipfile.ZIP_DEFLATED: "deflate"}
# More entries than this in the archive's directory is refused before the directory is parsed.
MAX_ARCHIVE_ENTRIES = 16
# Room for a .npy member's magic string and header (numpy pads headers to 64 bytes; 4 KiB is plenty).
MAX_NPY_HEADER_BYTES = 4096
# Labels may be stored in any integer type of at most this many bytes.
MAX_LABEL_ITEMSIZE = 8
# The end-of-central-directory record that closes every zip file, and where its entry count sits.
END_RECORD_SIGNATURE = b"PK\x05\x06"
END_RECORD_SIZE = 22
END_RECORD_SEARCH_BYTES = END_RECORD_SIZE + 65_535  # the record may be followed by a comment this long


class DigitArchiveError(ValueError):
    """An import file was refused; the message says why."""


def count_archive_entries(data: bytes) -> int:
    """The number of entries a zip file's end record declares (without parsing its directory)."""
    position = data.rfind(END_RECORD_SIGNATURE, max(0, len(data) - END_RECORD_SEARCH_BYTES))
    if position < 0 or position + END_RECORD_SIZE > len(data):
        raise DigitArchiveError("This is not a readable .npz file (no zip directory found).")
    (total_entries,) = struct.unpack_from("<H", data, position + 10)
    return total_entries


def read_member_header(stream) -> tuple[tuple, bool, np.dtype]:
    """(shape, fortran_order, dtype) from the header of a .npy stream; DigitArchiveError if it is not one."""
    try:
        version = npy_format.read_magic(stream)
        if version == (1, 0):
            return npy_format.read_array_header_1_0(stream, max_header_size=MAX_NPY_HEADER_BYTES)
        if version in ((2, 0), (3, 0)):
            return npy_format.read_array_header_2_0(stream, max_header_size=MAX_NPY_HEADER_BYTES)
    except (ValueError, OSError, EOFError, SyntaxError, zipfile.BadZipFile, zlib.error) as error:
        raise DigitArchiveError(f"a member is not a valid .npy array ({error}).") from error
    raise DigitArchiveError(f"unsupported .npy format version {version}.")


def check_member_header(name: str, shape: tuple, fortran_order: bool, dtype: np.dtype, max_digits: int) -> None:
    """Refuse a member whose declared shape or type is not MNIST layout, before its data is read."""
    if fortran_order:
        raise DigitArchiveError(f"{name} must be stored in C order.")
    if dtype.hasobject or not shape or shape[0] > max_digits or min(shape) < 0:
        count = shape[0] if shape else "no"
        raise DigitArchiveError(f"{name} declares {count} digits; at most {max_digits:,} can be imported.")
    if name.startswith("x_"):
        if dtype != np.uint8 or tuple(shape[1:]) != (28, 28):
            raise DigitArchiveError(f"{name} must be uint8 of shape (n, 28, 28), not {dtype} {tuple(shape)}.")
    elif dtype.kind not in "iu" or dtype.itemsize > MAX_LABEL_ITEMSIZE or tuple(shape[1:]) not in ((), (1,)):
        raise DigitArchiveError(f"{name} must be integer labels of shape (n,), not {dtype} {tuple(shape)}.")


def read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, max_digits: int) -> np.ndarray:
    """One checked array: method, declared size and .npy header are checked before the data is read."""
    name = info.filename.removesuffix(".npy")
    if info.compress_type not in ALLOWED_METHODS:
        raise DigitArchiveError(f"{name} is compressed with an unsupported method (only stored or deflate).")
    max_item_bytes = 28 * 28 if name.startswith("x_") else MAX_LABEL_ITEMSIZE
    if info.file_size > MAX_NPY_HEADER_BYTES + max_digits * max_item_bytes:
        raise DigitArchiveError(f"{name} holds {info.file_size:,} bytes: more than {max_digits:,} digits.")
    with archive.open(info) as stream:
        shape, fortran_order, dtype = read_member_header(stream)
        check_member_header(name, shape, fortran_order, dtype, max_digits)
        expected_bytes = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
        data = stream.read(expected_bytes)
        if len(data) != expected_bytes or stream.read(1):
            raise DigitArchiveError(f"{name}'s data does not match its header's shape {tuple(shape)}.")
    return np.frombuffer(data, dtype=dtype).reshape(shape)


def check_pair(x_name: str, images: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """The labels of one (images, labels) pair as uint8 (n,), after checking counts and values."""
    labels = labels.reshape(-1)
    if len(images) != len(labels):
        raise DigitArchiveError(f"{x_name} has {len(images)} images but {len(labels)} labels.")
    if labels.size and (labels.min() < 0 or labels.max() > 9):
        raise DigitArchiveError("Labels must be integers 0-9.")
    return labels.astype(np.uint8)


def read_mnist_archive(data: bytes, max_digits: int, max_bytes: int) -> tuple[np.ndarray, np.ndarray]:
    """(images (n, 28, 28) uint8, labels (n,) uint8) of an MNIST-layout .npz; DigitArchiveError otherwise."""
    if len(data) > max_bytes:
        raise DigitArchiveError(f"The file is {len(data) / 2**20:.1f} MB; at most {max_bytes / 2**20:.0f} MB.")
    if count_archive_entries(data) > MAX_ARCHIVE_ENTRIES:
        raise DigitArchiveError(f"The .npz file has more than {MAX_ARCHIVE_ENTRIES} members.")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = {info.filename: info for info in archive.infolist()}
            names = [pair for pair in ARRAY_PAIRS if all(f"{name}.npy" in members for name in pair)]
            if not names:
                raise DigitArchiveError("The .npz file has no x_train/y_train (or x_test/y_test) arrays.")
            images, labels = [], []
            for x_name, y_name in names:
                pair_images = read_member(archive, members[f"{x_name}.npy"], max_digits)  # (n, 28, 28)
                pair_labels = read_member(archive, members[f"{y_name}.npy"], max_digits)  # (n,)
                images.append(pair_images)
                labels.append(check_pair(x_name, pair_images, pair_labels))
    except DigitArchiveError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, OSError, EOFError, ValueError,
            NotImplementedError) as error:
        raise DigitArchiveError(f"This is not a readable .npz file ({error}).") from error
    images, labels = np.concatenate(images), np.concatenate(labels)
    if len(images) > max_digits:
        raise DigitArchiveError(f"The file holds {len(images):,} digits; at most {max_digits:,} can be imported.")
    return images, labels
