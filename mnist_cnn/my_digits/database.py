"""The database behind My digits (SQLite file or shared PostgreSQL): transactions, and its errors as clear messages.

The schema lives in mnist_cnn/database/migrations (Alembic): opening a store creates it or migrates an older file.
"""

import errno
import shutil
from pathlib import Path

import sqlalchemy

from mnist_cnn.database import DatabaseUnavailableError, is_postgresql, migrate_to_latest
from mnist_cnn.database.engine import run_transaction

# The collection that drawings without one (saved before collections existed) belong to.
DEFAULT_COLLECTION = "default"
# The class's shared set ("It got this wrong" files drawings there; mnist_cnn/my_digits/class_set.py).
CLASS_SET = "class-set"

# Primary SQLite result codes and what they mean for the person using the app.
BUSY_CODES = {5, 6}          # SQLITE_BUSY, SQLITE_LOCKED
READ_ONLY_CODE = 8           # SQLITE_READONLY
IO_ERROR_CODE = 10           # SQLITE_IOERR
DAMAGED_CODES = {11, 26}     # SQLITE_CORRUPT, SQLITE_NOTADB
FULL_CODE = 13               # SQLITE_FULL
CANT_OPEN_CODE = 14          # SQLITE_CANTOPEN
# PostgreSQL SQLSTATEs with the same meanings.
PG_FULL_STATES = {"53100"}                                  # disk_full
PG_BUSY_STATES = {"40001", "40P01", "55P03", "53300"}       # serialization, deadlock, lock wait, too many clients
PG_READ_ONLY_STATES = {"25006"}                             # read_only_sql_transaction
PG_DAMAGED_STATES = {"XX001", "XX002"}                      # data_corrupted, index_corrupted
# A write that fails with an I/O error while the disk has less free space than this is reported as a full disk
# (SQLite often says "disk I/O error" when a journal write finds no space).
MIN_FREE_BYTES = 1 << 20


class MyDigitsError(ValueError):
    """A drawing, a collection or an import file was refused; the message says why."""


class MyDigitsDatabaseError(MyDigitsError):
    """The drawings database could not be read or written; the message says why and what to do."""


def is_out_of_space(error: Exception, primary: int | None, path: Path | None) -> bool:
    """Whether a failed write came from a full disk: SQLITE_FULL, ENOSPC, or an I/O error with no room left."""
    if primary == FULL_CODE or "full" in str(error) or getattr(error, "errno", None) == errno.ENOSPC:
        return True
    if path is None or (primary != IO_ERROR_CODE and not isinstance(error, OSError)):
        return False
    try:
        return shutil.disk_usage(path.parent).free < MIN_FREE_BYTES
    except OSError:
        return False


def describe_postgresql_error(error: Exception) -> str:
    """A clear message for a PostgreSQL (psycopg) error on the shared drawings database."""
    state = getattr(error, "sqlstate", None) or ""
    if state in PG_FULL_STATES:
        return "The database server's disk is full, so no drawing can be saved. Ask the teacher to free some space."
    if state in PG_DAMAGED_STATES:
        return "The shared drawings database reports damaged data. Ask the teacher to check the database server."
    if state in PG_BUSY_STATES:
        return "The drawings database is busy; try again in a moment."
    if state in PG_READ_ONLY_STATES:
        return "The shared drawings database is read-only at the moment (a standby server?)."
    if not state or state.startswith("08") or state.startswith("57P"):
        return ("The shared drawings database cannot be reached (it may be restarting); nothing was saved. "
                "Try again in a moment.")
    return f"The shared drawings database failed: {str(error).strip().splitlines()[0][:200]}."


def describe_database_error(error: Exception, location) -> str:
    """A clear message for a database (or file system) error on the drawings database at location."""
    if isinstance(error, DatabaseUnavailableError):
        return ("The shared drawings database cannot be reached (it may be restarting); nothing was saved. "
                "Try again in a moment.")
    if isinstance(error, sqlalchemy.exc.DBAPIError) and error.orig is not None:
        error = error.orig
    if is_postgresql(location) and not isinstance(error, OSError):
        return describe_postgresql_error(error)
    path = Path(location)
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


# The errors a database operation may raise that become MyDigitsDatabaseError.
DATABASE_ERRORS = (sqlalchemy.exc.SQLAlchemyError, DatabaseUnavailableError, OSError)


def run_in_transaction(location, work, *, write: bool = False):
    """work(connection) in one transaction (a write one if write); errors become MyDigitsDatabaseError."""
    try:
        return run_transaction(location, work, write=write)
    except DATABASE_ERRORS as error:
        raise MyDigitsDatabaseError(describe_database_error(error, location)) from error


def create_or_migrate(location) -> None:
    """Create the schema, or bring an older database up to it (Alembic; see mnist_cnn/database/migrations).

    Before collections, drawings had no collection column: they join the default collection. Before owners,
    collections had no owner_hash: they stay without an owner, so anyone may delete their drawings, as before.
    """
    try:
        migrate_to_latest(location)
    except DATABASE_ERRORS as error:
        raise MyDigitsDatabaseError(describe_database_error(error, location)) from error
