"""The user's labelled drawings in a local SQLite database: add, list, delete, export and import."""

import io
import sqlite3
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import cv2
import numpy as np

from mnist_cnn import config

# The database file inside the user-data folder.
DATABASE_NAME = "my_digits.sqlite3"
# Original drawings are kept as PNG, shrunk so their longest side is at most this many pixels.
MAX_DRAWING_SIDE = 160
# Imports larger than this many digits are refused.
MAX_IMPORT_DIGITS = 20_000

SCHEMA = """
CREATE TABLE IF NOT EXISTS drawings (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    label INTEGER NOT NULL CHECK (label BETWEEN 0 AND 9),
    created_at TEXT NOT NULL,
    source TEXT NOT NULL,
    digit BLOB NOT NULL,          -- 28*28 uint8 bytes, MNIST layout (0 = background, 255 = ink)
    drawing_png BLOB              -- the original drawing as a small PNG, or NULL
)
"""


class UserDigitsError(ValueError):
    """A drawing or an import file was refused; the message says why."""


@dataclass
class UserDigit:
    """One stored drawing: its id, label, time, source and 28x28 uint8 image."""

    id: int
    label: int
    created_at: str
    source: str
    digit: np.ndarray  # (28, 28) uint8


def to_uint8_digit(model_input: np.ndarray) -> np.ndarray:
    """A (28, 28) float image in [0, 1] (or uint8) as MNIST-layout uint8; UserDigitsError otherwise."""
    image = np.asarray(model_input)
    if image.shape != (28, 28):
        raise UserDigitsError(f"A digit must be 28x28, not {image.shape}.")
    if image.dtype == np.uint8:
        return image
    image = np.nan_to_num(image.astype("float32"), nan=0.0)
    return np.clip(np.rint(image * 255.0), 0, 255).astype(np.uint8)


def encode_drawing(drawing: np.ndarray | None) -> bytes | None:
    """A small PNG of the original drawing (gray, RGB or RGBA uint8), or None."""
    if drawing is None:
        return None
    image = np.asarray(drawing)
    if image.ndim == 3 and image.shape[2] == 4:
        image = cv2.cvtColor(image, cv2.COLOR_RGBA2GRAY)
    elif image.ndim == 3 and image.shape[2] == 3:
        image = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
    if image.ndim != 2 or image.size == 0:
        return None
    scale = MAX_DRAWING_SIDE / max(image.shape)
    if scale < 1:
        image = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    ok, encoded = cv2.imencode(".png", image.astype(np.uint8))
    return encoded.tobytes() if ok else None


class UserDigitStore:
    """A SQLite-backed collection of labelled drawings; safe to use from several threads and sessions."""

    def __init__(self, path: Path | None = None):
        self.path = Path(path) if path is not None else config.USER_DATA_DIR / DATABASE_NAME
        self.lock = threading.Lock()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.connect() as connection:
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute(SCHEMA)

    @contextmanager
    def connect(self):
        """A short-lived connection that commits on success (one per operation, so threads never share one)."""
        connection = sqlite3.connect(self.path, timeout=30)
        try:
            with connection:
                yield connection
        finally:
            connection.close()

    def add(self, label: int, model_input: np.ndarray, drawing: np.ndarray | None = None,
            source: str = "canvas") -> int:
        """Store one labelled drawing; return its id."""
        if int(label) != label or not 0 <= int(label) <= 9:
            raise UserDigitsError(f"The label must be a digit 0-9, not {label!r}.")
        digit = to_uint8_digit(model_input)
        created_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
        with self.connect() as connection:
            cursor = connection.execute(
                "INSERT INTO drawings (label, created_at, source, digit, drawing_png) VALUES (?, ?, ?, ?, ?)",
                (int(label), created_at, source, digit.tobytes(), encode_drawing(drawing)))
            return int(cursor.lastrowid)

    def list_digits(self, label: int | None = None) -> list[UserDigit]:
        """All stored digits (optionally of one label), oldest first."""
        query = "SELECT id, label, created_at, source, digit FROM drawings"
        parameters: tuple = ()
        if label is not None:
            query, parameters = query + " WHERE label = ?", (int(label),)
        with self.connect() as connection:
            rows = connection.execute(query + " ORDER BY id", parameters).fetchall()
        return [UserDigit(row[0], row[1], row[2], row[3],
                          np.frombuffer(row[4], dtype=np.uint8).reshape(28, 28)) for row in rows]

    def get_drawing(self, digit_id: int) -> np.ndarray | None:
        """The original drawing (gray uint8) of one stored digit, if it was kept."""
        with self.connect() as connection:
            row = connection.execute("SELECT drawing_png FROM drawings WHERE id = ?", (int(digit_id),)).fetchone()
        if not row or row[0] is None:
            return None
        return cv2.imdecode(np.frombuffer(row[0], np.uint8), cv2.IMREAD_GRAYSCALE)

    def count_by_label(self) -> dict[int, int]:
        """How many drawings there are of each digit 0-9."""
        counts = dict.fromkeys(range(10), 0)
        with self.connect() as connection:
            for label, count in connection.execute("SELECT label, COUNT(*) FROM drawings GROUP BY label"):
                counts[int(label)] = int(count)
        return counts

    def delete(self, digit_id: int) -> bool:
        """Delete one drawing; True if it existed."""
        with self.connect() as connection:
            return connection.execute("DELETE FROM drawings WHERE id = ?", (int(digit_id),)).rowcount > 0

    def clear(self) -> int:
        """Delete every drawing; return how many were deleted."""
        with self.connect() as connection:
            return connection.execute("DELETE FROM drawings").rowcount

    def to_arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """(images (n, 28, 28) uint8, labels (n,) uint8), oldest first."""
        digits = self.list_digits()
        images = np.stack([d.digit for d in digits]) if digits else np.zeros((0, 28, 28), np.uint8)
        return images, np.array([d.label for d in digits], dtype=np.uint8)

    def export_npz(self) -> bytes:
        """The set as .npz bytes in MNIST layout (all digits in x_train/y_train; x_test/y_test empty)."""
        images, labels = self.to_arrays()
        buffer = io.BytesIO()
        np.savez_compressed(buffer, x_train=images, y_train=labels,
                            x_test=np.zeros((0, 28, 28), np.uint8), y_test=np.zeros((0,), np.uint8))
        return buffer.getvalue()

    def import_npz(self, data: bytes, source: str = "import") -> int:
        """Add the digits of an MNIST-layout .npz (x_train/y_train and x_test/y_test if present); return the count."""
        images, labels = read_mnist_layout(data)
        rows = [(int(label), datetime.now(timezone.utc).isoformat(timespec="seconds"), source,
                 image.tobytes(), None) for image, label in zip(images, labels)]
        with self.connect() as connection:
            connection.executemany(
                "INSERT INTO drawings (label, created_at, source, digit, drawing_png) VALUES (?, ?, ?, ?, ?)", rows)
        return len(rows)


def read_mnist_layout(data: bytes) -> tuple[np.ndarray, np.ndarray]:
    """Check and read an MNIST-layout .npz (no pickles); UserDigitsError with a clear message otherwise."""
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as archive:
            pairs = [(archive[x], archive[y]) for x, y in (("x_train", "y_train"), ("x_test", "y_test"))
                     if x in archive.files and y in archive.files]
    except Exception as error:
        raise UserDigitsError(f"This is not a readable .npz file ({type(error).__name__}).") from error
    if not pairs:
        raise UserDigitsError("The .npz file has no x_train/y_train (or x_test/y_test) arrays.")
    images = np.concatenate([np.asarray(x).reshape(-1, *np.asarray(x).shape[1:]) for x, _ in pairs])
    labels = np.concatenate([np.asarray(y).reshape(-1) for _, y in pairs])
    if images.ndim != 3 or images.shape[1:] != (28, 28) or images.dtype != np.uint8:
        raise UserDigitsError(f"Images must be uint8 of shape (n, 28, 28), not {images.dtype} {images.shape}.")
    if len(images) != len(labels):
        raise UserDigitsError(f"{len(images)} images but {len(labels)} labels.")
    if len(images) > MAX_IMPORT_DIGITS:
        raise UserDigitsError(f"At most {MAX_IMPORT_DIGITS:,} digits can be imported at once.")
    if labels.size and (not np.issubdtype(labels.dtype, np.integer) or labels.min() < 0 or labels.max() > 9):
        raise UserDigitsError("Labels must be integers 0-9.")
    return images, labels.astype(np.uint8)
