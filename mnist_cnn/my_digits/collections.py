"""The user's labelled drawings in named collections (a SQLite file, or a shared PostgreSQL): add, list, delete..."""

import io
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import cv2
import numpy as np
from sqlalchemy import text

from mnist_cnn import config
from mnist_cnn.inputs.images import to_uint8
from mnist_cnn.my_digits.archive import DigitArchiveError, read_mnist_archive
from mnist_cnn.database import database_location
from mnist_cnn.my_digits.database import (DEFAULT_COLLECTION, MyDigitsDatabaseError, MyDigitsError, create_or_migrate,
                                          run_in_transaction)
from mnist_cnn.my_digits.ownership import (CollectionProtectedError, check_allowed_to_delete, hash_owner_secret,
                                           is_allowed_to_delete, read_owner_hash, reclaim_empty_collection)

# The database file inside the user-data folder.
DATABASE_NAME = "my_digits.sqlite3"
# Original drawings are kept as PNG, shrunk so their longest side is at most this many pixels.
MAX_DRAWING_SIDE = 160
# A collection's name: 1-40 letters, digits, spaces, '-' or '_' (it appears in the page's URL).
COLLECTION_NAME_PATTERN = re.compile(r"[\w\- ]{1,40}")
# A LIMIT that means "all rows" on SQLite and PostgreSQL alike (SQLite needs a LIMIT before an OFFSET).
NO_LIMIT = 2**62
# The columns an INSERT of one drawing fills.
INSERT_DRAWING = ("INSERT INTO drawings (label, created_at, source, digit, drawing_png, collection) "
                  "VALUES (:label, :created_at, :source, :digit, :drawing_png, :collection)")

__all__ = ["DEFAULT_COLLECTION", "CollectionProtectedError", "MyDigitsDatabaseError", "MyDigitsError", "MyDigit",
           "MyDigitsStore", "read_mnist_layout", "validate_collection_name"]


@dataclass
class MyDigit:
    """One stored drawing: its id, label, time, source and 28x28 uint8 image."""

    id: int
    label: int
    created_at: str
    source: str
    digit: np.ndarray  # (28, 28) uint8


def to_uint8_digit(model_input: np.ndarray) -> np.ndarray:
    """A (28, 28) float image in [0, 1] (or uint8) as MNIST-layout uint8; MyDigitsError otherwise."""
    image = np.asarray(model_input)
    if image.shape != (28, 28):
        raise MyDigitsError(f"A digit must be 28x28, not {image.shape}.")
    return to_uint8(image)


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


def validate_collection_name(name) -> str:
    """The name with surrounding spaces removed, if it is a valid collection name; MyDigitsError otherwise."""
    cleaned = name.strip(" ") if isinstance(name, str) else ""
    if not COLLECTION_NAME_PATTERN.fullmatch(cleaned):
        shown = repr(name) if len(repr(name)) <= 60 else repr(name)[:57] + "…"
        raise MyDigitsError(f"{shown} is not a valid collection name: use 1-40 letters, digits, spaces, "
                              f"'-' or '_'.")
    return cleaned


def now_text() -> str:
    """The current UTC time as ISO text, to the second."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def make_row(label: int, created_at: str, source: str, digit: bytes, drawing_png: bytes | None,
             collection: str) -> dict:
    """The parameters of INSERT_DRAWING for one drawing."""
    return {"label": label, "created_at": created_at, "source": source, "digit": digit,
            "drawing_png": drawing_png, "collection": collection}


def rows_to_digits(rows) -> list[MyDigit]:
    """MyDigit objects from (id, label, created_at, source, digit bytes) rows."""
    return [MyDigit(row[0], row[1], row[2], row[3], np.frombuffer(bytes(row[4]), dtype=np.uint8).reshape(28, 28))
            for row in rows]


def digits_to_arrays(digits: list[MyDigit]) -> tuple[np.ndarray, np.ndarray]:
    """(images (n, 28, 28) uint8, labels (n,) uint8) of a list of stored digits."""
    images = np.stack([d.digit for d in digits]) if digits else np.zeros((0, 28, 28), np.uint8)
    return images, np.array([d.label for d in digits], dtype=np.uint8)


class MyDigitsStore:
    """Labelled drawings in named collections, in one database; safe to use from several threads and processes.

    The database is a SQLite file (path, default `<user data>/my_digits.sqlite3`) or a shared one named by a URL
    (MNIST_CNN_DATABASE_URL: every replica sees the same drawings). Every method raises MyDigitsError
    (MyDigitsDatabaseError for a damaged, busy, full or unreachable database) with a message fit to show.
    """

    def __init__(self, path=None):
        location = path if path is not None else (database_location() or config.USER_DATA_DIR / DATABASE_NAME)
        # A SQLite file's Path, or a database URL (text): what a worker process is given to open the same store.
        self.path = str(location) if "://" in str(location) else Path(location)
        create_or_migrate(self.path)

    def run(self, work, *, write: bool = False):
        """work(connection) in one transaction (writes one at a time, checks and write seeing one state)."""
        return run_in_transaction(self.path, work, write=write)

    def read_one(self, query: str, parameters: dict):
        """The first row of a read query (or None)."""
        return self.run(lambda connection: connection.execute(text(query), parameters).first())

    def read_all(self, query: str, parameters: dict) -> list:
        """Every row of a read query."""
        return self.run(lambda connection: connection.execute(text(query), parameters).all())

    def ensure_collection(self, connection, collection: str, owner_secret: str | None = None) -> bool:
        """Create the collection inside the caller's write transaction unless it exists; True if it was created.

        A server holding MAX_COLLECTIONS first reuses the room of an old empty collection, else refuses.
        """
        if connection.execute(text("SELECT 1 FROM collections WHERE name = :name"), {"name": collection}).first():
            return False
        count = connection.execute(text("SELECT COUNT(*) FROM collections")).scalar()
        if count >= config.MAX_COLLECTIONS and not reclaim_empty_collection(connection):
            raise MyDigitsError(f"This server already holds {count:,} collections (the limit is "
                                  f"{config.MAX_COLLECTIONS:,}); pick an existing one.")
        connection.execute(text("INSERT INTO collections (name, created_at, owner_hash) VALUES (:name, :now, :owner)"),
                           {"name": collection, "now": now_text(), "owner": hash_owner_secret(owner_secret)})
        return True

    def insert_rows(self, rows: list[dict], collection: str) -> int:
        """Insert drawing rows into a collection in one transaction if it has room for all; return the last id."""
        def insert(connection) -> int:
            self.ensure_collection(connection, collection)
            count = connection.execute(text("SELECT COUNT(*) FROM drawings WHERE collection = :collection"),
                                       {"collection": collection}).scalar()
            if count + len(rows) > config.MAX_COLLECTION_DIGITS:
                adding = f" (this would add {len(rows):,})" if len(rows) > 1 else ""
                raise MyDigitsError(
                    f"The collection {collection!r} is full: it holds {count:,} of at most "
                    f"{config.MAX_COLLECTION_DIGITS:,} drawings{adding}. Delete some on My digits, or start a "
                    f"new collection in the sidebar.")
            connection.execute(text(INSERT_DRAWING), rows)
            return int(connection.execute(text("SELECT MAX(id) FROM drawings")).scalar())  # writes run one at a time

        return self.run(insert, write=True)

    def create_collection(self, name: str, owner_secret: str | None = None) -> str:
        """Create a collection, owned by the browser with this secret if given (nothing happens if it exists).

        Returns its validated name. Only its owner's browser, or the teacher, may then delete its drawings.
        """
        collection = validate_collection_name(name)
        self.run(lambda connection: self.ensure_collection(connection, collection, owner_secret), write=True)
        return collection

    def is_allowed_to_delete(self, collection: str, owner_secret: str | None, *, teacher: bool = False) -> bool:
        """Whether the browser with this secret (or the teacher) may delete the collection's drawings."""
        collection = validate_collection_name(collection)
        owner_hash = self.run(lambda connection: read_owner_hash(connection, collection))
        return is_allowed_to_delete(owner_hash, owner_secret, teacher)

    def delete_collection(self, name: str) -> int:
        """Delete a collection, its drawings and its lesson progress (the teacher's action; not the default); how many
        drawings were deleted."""
        collection = validate_collection_name(name)
        if collection == DEFAULT_COLLECTION:
            raise MyDigitsError(f"The collection {DEFAULT_COLLECTION!r} cannot be deleted (it is where drawings go "
                                f"without one); clear its drawings instead.")

        def delete(connection) -> int:
            parameters = {"collection": collection}
            deleted = connection.execute(text("DELETE FROM drawings WHERE collection = :collection"),
                                         parameters).rowcount
            connection.execute(text("DELETE FROM lesson_progress WHERE collection = :collection"), parameters)
            if not connection.execute(text("DELETE FROM collections WHERE name = :collection"), parameters).rowcount:
                raise MyDigitsError(f"There is no collection named {collection!r} on this server.")
            return deleted

        return self.run(delete, write=True)

    def has_collection(self, name: str) -> bool:
        """Whether a collection of this (valid) name exists."""
        collection = validate_collection_name(name)
        return self.read_one("SELECT 1 FROM collections WHERE name = :name", {"name": collection}) is not None

    def list_collections(self) -> list[str]:
        """Every collection's name: the default first, then by name."""
        names = [row[0] for row in self.read_all("SELECT name FROM collections ORDER BY name", {})]
        return [DEFAULT_COLLECTION] + [name for name in names if name != DEFAULT_COLLECTION]

    def count_by_collection(self) -> dict[str, int]:
        """How many drawings each collection holds (empty ones included), in list_collections() order."""
        counts = {row[0]: row[1] for row in self.read_all(
            "SELECT collection, COUNT(*) FROM drawings GROUP BY collection", {})}
        return {name: int(counts.get(name, 0)) for name in self.list_collections()}

    def data_version(self, collection: str = DEFAULT_COLLECTION) -> str:
        """A short text that changes whenever the collection's drawings change: their count and newest id.

        Ids only grow (never reused), so an addition raises the newest id for good and a deletion lowers the count:
        no other set of drawings has both the same. The query reads only the index.
        """
        collection = validate_collection_name(collection)
        count, last_id = self.read_one("SELECT COUNT(*), MAX(id) FROM drawings WHERE collection = :collection",
                                       {"collection": collection})
        return f"{count}-{last_id}"

    def add(self, label: int, model_input: np.ndarray, drawing: np.ndarray | None = None,
            source: str = "canvas", *, collection: str = DEFAULT_COLLECTION) -> int:
        """Store one labelled drawing in a collection; return its id."""
        collection = validate_collection_name(collection)
        if int(label) != label or not 0 <= int(label) <= 9:
            raise MyDigitsError(f"The label must be a digit 0-9, not {label!r}.")
        digit = to_uint8_digit(model_input)
        return self.insert_rows([make_row(int(label), now_text(), source, digit.tobytes(), encode_drawing(drawing),
                                          collection)], collection)

    def list_digits(self, label: int | None = None, *, collection: str = DEFAULT_COLLECTION,
                    limit: int | None = None, offset: int = 0) -> list[MyDigit]:
        """A collection's digits (optionally of one label), oldest first; limit/offset give one page of them."""
        collection = validate_collection_name(collection)
        query = "SELECT id, label, created_at, source, digit FROM drawings WHERE collection = :collection"
        parameters = {"collection": collection, "offset": int(offset)}
        if label is not None:
            query, parameters["label"] = query + " AND label = :label", int(label)
        parameters["limit"] = NO_LIMIT if limit is None else int(limit)
        return rows_to_digits(self.read_all(query + " ORDER BY id LIMIT :limit OFFSET :offset", parameters))

    def get_drawing(self, digit_id: int, *, collection: str = DEFAULT_COLLECTION) -> np.ndarray | None:
        """The original drawing (gray uint8) of one stored digit of the collection, if it was kept."""
        collection = validate_collection_name(collection)
        row = self.read_one("SELECT drawing_png FROM drawings WHERE id = :id AND collection = :collection",
                            {"id": int(digit_id), "collection": collection})
        if not row or row[0] is None:
            return None
        return cv2.imdecode(np.frombuffer(row[0], np.uint8), cv2.IMREAD_GRAYSCALE)

    def count_by_label(self, *, collection: str = DEFAULT_COLLECTION) -> dict[int, int]:
        """How many drawings of each digit 0-9 the collection holds."""
        collection = validate_collection_name(collection)
        counts = dict.fromkeys(range(10), 0)
        for label, count in self.read_all("SELECT label, COUNT(*) FROM drawings WHERE collection = :collection "
                                          "GROUP BY label", {"collection": collection}):
            counts[int(label)] = int(count)
        return counts

    def delete_where(self, condition: str, parameters: dict, owner_secret: str | None, teacher: bool) -> int:
        """Delete the collection's drawings matching condition, if this browser (or the teacher) may; how many."""
        def delete(connection) -> int:
            check_allowed_to_delete(connection, parameters["collection"], owner_secret, teacher)
            return connection.execute(text(f"DELETE FROM drawings WHERE {condition}"), parameters).rowcount

        return self.run(delete, write=True)

    def delete(self, digit_id: int, *, collection: str = DEFAULT_COLLECTION, owner_secret: str | None = None,
               teacher: bool = False) -> bool:
        """Delete one drawing of the collection; True if it existed. CollectionProtectedError if not allowed."""
        parameters = {"id": int(digit_id), "collection": validate_collection_name(collection)}
        return self.delete_where("id = :id AND collection = :collection", parameters, owner_secret, teacher) > 0

    def clear(self, *, collection: str = DEFAULT_COLLECTION, owner_secret: str | None = None,
              teacher: bool = False) -> int:
        """Delete every drawing of the collection (others keep theirs); return how many. Checked like delete."""
        parameters = {"collection": validate_collection_name(collection)}
        return self.delete_where("collection = :collection", parameters, owner_secret, teacher)

    def to_arrays(self, *, collection: str = DEFAULT_COLLECTION,
                  limit: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(images (n, 28, 28) uint8, labels (n,) uint8) of the collection, oldest first; at most its newest limit."""
        if limit is None:
            return digits_to_arrays(self.list_digits(collection=collection))
        collection = validate_collection_name(collection)
        rows = self.read_all("SELECT id, label, created_at, source, digit FROM drawings WHERE collection = "
                             ":collection ORDER BY id DESC LIMIT :limit",
                             {"collection": collection, "limit": max(0, int(limit))})
        return digits_to_arrays(rows_to_digits(rows[::-1]))

    def export_npz(self, *, collection: str = DEFAULT_COLLECTION) -> bytes:
        """The collection as .npz bytes in MNIST layout (all digits in x_train/y_train; x_test/y_test empty)."""
        images, labels = self.to_arrays(collection=collection)
        buffer = io.BytesIO()
        np.savez_compressed(buffer, x_train=images, y_train=labels,
                            x_test=np.zeros((0, 28, 28), np.uint8), y_test=np.zeros((0,), np.uint8))
        return buffer.getvalue()

    def import_npz(self, data: bytes, source: str = "import", *, collection: str = DEFAULT_COLLECTION) -> int:
        """Add the digits of an MNIST-layout .npz (x_train/y_train, x_test/y_test) to a collection; return the count."""
        collection = validate_collection_name(collection)
        images, labels = read_mnist_layout(data)
        created_at = now_text()
        rows = [make_row(int(label), created_at, source, image.tobytes(), None, collection)
                for image, label in zip(images, labels)]
        self.insert_rows(rows, collection)
        return len(rows)


def read_mnist_layout(data: bytes) -> tuple[np.ndarray, np.ndarray]:
    """Check and read an MNIST-layout .npz (bounded in size and memory); MyDigitsError with a message otherwise."""
    try:
        return read_mnist_archive(bytes(data), max_digits=config.MAX_COLLECTION_DIGITS,
                                  max_bytes=config.MAX_DIGITS_UPLOAD_MB * 2**20)
    except DigitArchiveError as error:
        raise MyDigitsError(str(error)) from error
