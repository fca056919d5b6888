"""Engines for the app's database: one per URL and process; transactions that retry while PostgreSQL restarts.

A location is a SQLite file path (the default: `<MNIST_CNN_USER_DATA>/my_digits.sqlite3`) or a SQLAlchemy URL
(`postgresql+psycopg://user@host:5432/name`, given by MNIST_CNN_DATABASE_URL so that every replica shares it).
Writes run one at a time on both: BEGIN IMMEDIATE on SQLite, a transaction-level advisory lock on PostgreSQL, so a
check and the write it guards (a collection's room, the number of collections) see one state.
"""

import os
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy
from sqlalchemy import event, text
from sqlalchemy.pool import NullPool

# The environment variable that names a shared database; without it each server keeps its own SQLite file.
DATABASE_URL_VARIABLE = "MNIST_CNN_DATABASE_URL"
# Every PostgreSQL write transaction first takes this transaction-level advisory lock (writes run one at a time).
WRITE_LOCK_KEY = 0x6D6E6973
# How long a SQLite connection waits for another writer before "database is locked".
SQLITE_BUSY_SECONDS = 30
# While the PostgreSQL server cannot be reached (a restart), a transaction is retried this long before giving up.
RETRY_SECONDS = 15.0
RETRY_PAUSE_SECONDS = 0.5
# PostgreSQL connection pool per process: enough for a replica's sessions, small for the server's max_connections.
POOL_SIZE, POOL_OVERFLOW = 5, 10
# A PostgreSQL host that does not answer is given up after this (not the system's minutes-long TCP timeout).
CONNECT_TIMEOUT_SECONDS = 5
# SQLSTATE classes and codes of a server that is gone or going (the transaction did not happen: safe to retry).
RETRYABLE_SQLSTATE_PREFIXES = ("08",)                  # connection exceptions
RETRYABLE_SQLSTATES = {"57P01", "57P02", "57P03"}       # admin shutdown, crash shutdown, cannot connect now

ENGINES: dict[str, sqlalchemy.Engine] = {}
ENGINES_LOCK = threading.Lock()


class DatabaseUnavailableError(RuntimeError):
    """The database server could not be reached for RETRY_SECONDS; nothing was written."""


def database_location() -> str | None:
    """The shared database's URL from MNIST_CNN_DATABASE_URL, or None (each server keeps its own SQLite file)."""
    return os.environ.get(DATABASE_URL_VARIABLE) or None


def to_url(location) -> str:
    """A SQLAlchemy URL for a location: a URL as it is, a file path as a SQLite URL."""
    text_location = str(location)
    return text_location if "://" in text_location else f"sqlite:///{Path(text_location)}"


def is_postgresql(location) -> bool:
    """Whether the location names a PostgreSQL database."""
    return to_url(location).startswith("postgresql")


def use_sqlite_transactions(engine: sqlalchemy.Engine) -> None:
    """Let SQLite start transactions as this module asks: BEGIN IMMEDIATE to write, a deferred BEGIN to read."""

    @event.listens_for(engine, "connect")
    def turn_off_driver_transactions(dbapi_connection, connection_record):
        dbapi_connection.isolation_level = None  # the sqlite3 module must not BEGIN on its own

    @event.listens_for(engine, "begin")
    def begin(connection):
        mode = "IMMEDIATE" if connection.get_execution_options().get("write") else "DEFERRED"
        connection.exec_driver_sql(f"BEGIN {mode}")


def make_engine(url: str) -> sqlalchemy.Engine:
    """A new engine: SQLite with a connection per use (as cheap as a file open), PostgreSQL with a checked pool."""
    if url.startswith("sqlite"):
        engine = sqlalchemy.create_engine(url, poolclass=NullPool,
                                          connect_args={"timeout": SQLITE_BUSY_SECONDS, "check_same_thread": False})
        use_sqlite_transactions(engine)
        return engine
    return sqlalchemy.create_engine(url, pool_pre_ping=True, pool_size=POOL_SIZE, max_overflow=POOL_OVERFLOW,
                                    pool_recycle=3600, connect_args={"connect_timeout": CONNECT_TIMEOUT_SECONDS})


def get_engine(location) -> sqlalchemy.Engine:
    """The process's engine for a location (made once; engines are safe to share between threads)."""
    url = to_url(location)
    with ENGINES_LOCK:
        engine = ENGINES.get(url)
        if engine is None or engine.pool is None:
            engine = ENGINES[url] = make_engine(url)
        return engine


def is_retryable(error: Exception) -> bool:
    """Whether a failed transaction met a server that is gone or restarting (so it did not happen)."""
    if not isinstance(error, sqlalchemy.exc.DBAPIError) or error.orig is None:
        return False
    if error.connection_invalidated:
        return True
    sqlstate = getattr(error.orig, "sqlstate", None)
    if sqlstate is None:  # psycopg's "connection refused"/"server closed the connection" carry no SQLSTATE
        return type(error.orig).__name__ == "OperationalError" and "sqlite" not in type(error.orig).__module__
    return sqlstate.startswith(RETRYABLE_SQLSTATE_PREFIXES) or sqlstate in RETRYABLE_SQLSTATES


def run_transaction(location, work, *, write: bool):
    """work(connection) in one transaction, committed if it returns; retried while a PostgreSQL server restarts.

    Raises DatabaseUnavailableError when the server stays unreachable for RETRY_SECONDS; other database errors
    pass through for the caller to describe.
    """
    engine = get_engine(location)
    deadline = time.monotonic() + RETRY_SECONDS
    while True:
        try:
            with engine.connect().execution_options(write=write) as connection, connection.begin():
                if write and engine.dialect.name == "postgresql":
                    connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": WRITE_LOCK_KEY})
                return work(connection)
        except sqlalchemy.exc.DBAPIError as error:
            if not is_retryable(error):
                raise
            if time.monotonic() >= deadline:
                raise DatabaseUnavailableError(str(error.orig).strip().splitlines()[0][:200]) from error
            time.sleep(RETRY_PAUSE_SECONDS)


@contextmanager
def write_transaction(location):
    """A connection in a write transaction (no retry: for work that cannot be repeated as a function)."""
    engine = get_engine(location)
    with engine.connect().execution_options(write=True) as connection, connection.begin():
        if engine.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": WRITE_LOCK_KEY})
        yield connection


@contextmanager
def read_transaction(location):
    """A connection in a read-only (deferred) transaction, rolled back at the end."""
    with get_engine(location).connect() as connection:
        yield connection
