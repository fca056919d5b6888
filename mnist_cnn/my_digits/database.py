"""The SQLite file behind My digits: schema and migration, short connections, and database errors as clear messages."""

import errno
import shutil
import sqlite3
from contextlib import contextmanager
from pathlib import Path

# The collection that drawings without one (saved before collections existed) belong to.
DEFAULT_COLLECTION = "default"

# create_or_migrate runs it statement by statement, split on ";": no ";" inside its comments.
SCHEMA = f"""
CREATE TABLE IF NOT EXISTS drawings (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    label INTEGER NOT NULL CHECK (label BETWEEN 0 AND 9),
    created_at TEXT NOT NULL,
    source TEXT NOT NULL,
    digit BLOB NOT NULL,          -- 28*28 uint8 bytes, MNIST layout (0 = background, 255 = ink)
    drawing_png BLOB,             -- the original drawing as a small PNG, or NULL
    collection TEXT NOT NULL DEFAULT '{DEFAULT_COLLECTION}'
);
CREATE TABLE IF NOT EXISTS collections (
    name TEXT PRIMARY KEY,
    created_at TEXT NOT NULL,
    owner_hash TEXT               -- sha256 of the creating browser's secret (NULL: anyone may delete its drawings)
);
CREATE TABLE IF NOT EXISTS lesson_progress (
    collection TEXT NOT NULL,
    lesson TEXT NOT NULL,         -- the lesson file's name (mnist_cnn/lessons/lesson_files.py)
    step INTEGER NOT NULL,        -- from 1: a step answered right
    answered_at TEXT NOT NULL,
    PRIMARY KEY (collection, lesson, step)
);
"""
# Added after the migration, since an old drawings table has no collection column before it.
INDEX = "CREATE INDEX IF NOT EXISTS drawings_by_collection ON drawings (collection, label, id)"

# Primary SQLite result codes and what they mean for the person using the app.
BUSY_CODES = {5, 6}          # SQLITE_BUSY, SQLITE_LOCKED
READ_ONLY_CODE = 8           # SQLITE_READONLY
IO_ERROR_CODE = 10           # SQLITE_IOERR
DAMAGED_CODES = {11, 26}     # SQLITE_CORRUPT, SQLITE_NOTADB
FULL_CODE = 13               # SQLITE_FULL
CANT_OPEN_CODE = 14          # SQLITE_CANTOPEN
# A write that fails with an I/O error while the disk has less free space than this is reported as a full disk
# (SQLite often says "disk I/O error" when a journal write finds no space).
MIN_FREE_BYTES = 1 << 20


class MyDigitsError(ValueError):
    """A drawing, a collection or an import file was refused; the message says why."""


class MyDigitsDatabaseError(MyDigitsError):
    """The drawings database could not be read or written; the message says why and what to do."""


def is_out_of_space(error: Exception, primary: int | None, path: Path) -> bool:
    """Whether a failed write came from a full disk: SQLITE_FULL, ENOSPC, or an I/O error with no room left."""
    if primary == FULL_CODE or "full" in str(error) or getattr(error, "errno", None) == errno.ENOSPC:
        return True
    if primary != IO_ERROR_CODE and not isinstance(error, OSError):
        return False
    try:
        return shutil.disk_usage(path.parent).free < MIN_FREE_BYTES
    except OSError:
        return False


def describe_database_error(error: Exception, path: Path) -> str:
    """A clear message for a sqlite3 (or file system) error on the drawings database at path."""
    code = getattr(error, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else None
    if is_out_of_space(error, primary, path):
        return "The server's disk is full, so no drawing can be saved. Ask the teacher to free some space."
    if primary in DAMAGED_CODES:
        return (f"The drawings database ({path.name}) is damaged and cannot be read. Ask the teacher to move it "
                f"aside: an empty one is made on the next visit.")
    if primary in BUSY_CODES:
        return "The drawings database is busy; try again in a moment."
    if primary == READ_ONLY_CODE:
        return f"The drawings database ({path.name}) is read-only on this server."
    if primary in (CANT_OPEN_CODE, IO_ERROR_CODE) or isinstance(error, OSError):
        return f"The drawings database ({path.name}) cannot be opened or written ({error})."
    return f"The drawings database failed: {error}."


@contextmanager
def open_connection(path: Path):
    """A short-lived autocommit connection (one per operation); errors become MyDigitsDatabaseError."""
    try:
        connection = sqlite3.connect(path, timeout=30, isolation_level=None)
    except (sqlite3.Error, OSError) as error:
        raise MyDigitsDatabaseError(describe_database_error(error, path)) from error
    try:
        yield connection
    except (sqlite3.Error, OSError) as error:
        raise MyDigitsDatabaseError(describe_database_error(error, path)) from error
    finally:
        connection.close()


@contextmanager
def write_transaction(connection: sqlite3.Connection):
    """BEGIN IMMEDIATE ... COMMIT: checks and writes inside see one state (other writers wait)."""
    connection.execute("BEGIN IMMEDIATE")
    try:
        yield connection
    except BaseException:
        if connection.in_transaction:
            connection.rollback()
        raise
    connection.execute("COMMIT")


def is_current(connection: sqlite3.Connection) -> bool:
    """Whether the file already has this version's schema (a cheap read, so opening a store costs no write)."""
    columns = {row[1] for row in connection.execute("PRAGMA table_info(drawings)")}
    collection_columns = {row[1] for row in connection.execute("PRAGMA table_info(collections)")}
    has_progress = connection.execute("SELECT 1 FROM sqlite_master WHERE name = 'lesson_progress'").fetchone()
    return "collection" in columns and "owner_hash" in collection_columns and has_progress is not None


def create_or_migrate(path: Path) -> None:
    """Create the schema, or bring an older file up to it.

    Before collections, drawings had no collection column: they join the default collection. Before owners,
    collections had no owner_hash: they stay without an owner, so anyone may delete their drawings, as before.
    Before lessons, there was no lesson_progress table: it is added, empty.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise MyDigitsDatabaseError(describe_database_error(error, path)) from error
    with open_connection(path) as connection:
        if is_current(connection):
            return
        connection.execute("PRAGMA journal_mode=WAL")
        with write_transaction(connection):
            for statement in SCHEMA.split(";")[:-1]:  # executescript() would commit half-way
                connection.execute(statement)
            columns = {row[1] for row in connection.execute("PRAGMA table_info(drawings)")}
            if "collection" not in columns:  # every existing drawing joins the default collection
                connection.execute("ALTER TABLE drawings ADD COLUMN collection TEXT NOT NULL "
                                   f"DEFAULT '{DEFAULT_COLLECTION}'")
            if "owner_hash" not in {row[1] for row in connection.execute("PRAGMA table_info(collections)")}:
                connection.execute("ALTER TABLE collections ADD COLUMN owner_hash TEXT")
            connection.execute(INDEX)
            connection.execute("INSERT OR IGNORE INTO collections (name, created_at) VALUES (?, datetime('now'))",
                               (DEFAULT_COLLECTION,))
