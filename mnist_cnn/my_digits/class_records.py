"""What a class leaves besides labelled drawings: "not a digit" flags and challenge attempts, in two small tables.

They live in the drawings database (the same SQLite file) but in tables of their own, so that the drawings table
keeps its schema (its label is a digit 0-9, which a "not a digit" drawing is not). Each row names the collection
it came from. Both tables are bounded server-wide (config.MAX_NON_DIGIT_FLAGS, config.MAX_CHALLENGE_ATTEMPTS).
"""

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mnist_cnn import config
from mnist_cnn.my_digits.collections import (DATABASE_NAME, MyDigitsError, encode_drawing, now_text, to_uint8_digit,
                                             validate_collection_name)
from mnist_cnn.my_digits.database import (MyDigitsDatabaseError, describe_database_error, open_connection,
                                          write_transaction)

# Run statement by statement (split on ";"): no ";" inside the comments.
SCHEMA = """
CREATE TABLE IF NOT EXISTS non_digit_flags (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    collection TEXT NOT NULL,     -- the student's collection when it was flagged
    created_at TEXT NOT NULL,
    predicted INTEGER NOT NULL,   -- the digit the model read (wrongly: it is not a digit)
    digit BLOB NOT NULL,          -- 28*28 uint8 bytes, MNIST layout
    drawing_png BLOB              -- the original drawing as a small PNG, or NULL
);
CREATE TABLE IF NOT EXISTS challenge_attempts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    collection TEXT NOT NULL,
    challenge TEXT NOT NULL,      -- the challenge's key, e.g. '7-as-1'
    created_at TEXT NOT NULL,
    score INTEGER NOT NULL,       -- 0-100 (mnist_cnn.challenge.scoring)
    fooled INTEGER NOT NULL,      -- 1 when the model read the target digit
    readable INTEGER NOT NULL,    -- 1 when the classmates' reader still read the true digit
    digit BLOB NOT NULL
);
"""
TABLES = ("non_digit_flags", "challenge_attempts")


@dataclass
class NonDigitFlag:
    """A drawing a student filed as "not a digit": where from, when, what the model read, the 28x28 image."""

    id: int
    collection: str
    created_at: str
    predicted: int
    digit: np.ndarray  # (28, 28) uint8


@dataclass
class ChallengeAttempt:
    """One submitted challenge attempt and its score."""

    id: int
    collection: str
    challenge: str
    created_at: str
    score: int
    fooled: bool
    readable: bool


def create_tables(path: Path) -> None:
    """Create the two tables unless they are there (a cheap read first, so opening costs no write)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise MyDigitsDatabaseError(describe_database_error(error, path)) from error
    with open_connection(path) as connection:
        present = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if set(TABLES) <= present:
            return
        with write_transaction(connection):
            for statement in SCHEMA.split(";")[:-1]:
                connection.execute(statement)


class ClassRecords:
    """The "not a digit" flags and the challenge attempts of a server; errors are MyDigitsError with a message."""

    def __init__(self, path: Path | None = None):
        self.path = Path(path) if path is not None else config.USER_DATA_DIR / DATABASE_NAME
        create_tables(self.path)

    def insert_bounded(self, table: str, limit: int, statement: str, row: tuple) -> int:
        """Insert one row into table unless it already holds limit rows; return its id."""
        with open_connection(self.path) as connection, write_transaction(connection):
            (count,) = connection.execute(f"SELECT COUNT(*) FROM {table}").fetchone()
            if count >= limit:
                raise MyDigitsError(f"This server already keeps {count:,} of at most {limit:,} of these; ask the "
                                    f"teacher to clear some in the class view.")
            connection.execute(statement, row)
            return int(connection.execute("SELECT last_insert_rowid()").fetchone()[0])

    def add_non_digit(self, model_input: np.ndarray, drawing: np.ndarray | None, predicted: int, *,
                      collection: str) -> int:
        """Keep a drawing flagged "not a digit" from a collection, with the digit the model read; return its id."""
        collection = validate_collection_name(collection)
        row = (collection, now_text(), int(predicted), to_uint8_digit(model_input).tobytes(), encode_drawing(drawing))
        return self.insert_bounded("non_digit_flags", config.MAX_NON_DIGIT_FLAGS,
                                   "INSERT INTO non_digit_flags (collection, created_at, predicted, digit, "
                                   "drawing_png) VALUES (?, ?, ?, ?, ?)", row)

    def list_non_digits(self) -> list[NonDigitFlag]:
        """Every "not a digit" flag, oldest first."""
        with open_connection(self.path) as connection:
            rows = connection.execute("SELECT id, collection, created_at, predicted, digit FROM non_digit_flags "
                                      "ORDER BY id").fetchall()
        return [NonDigitFlag(row[0], row[1], row[2], row[3], np.frombuffer(row[4], np.uint8).reshape(28, 28))
                for row in rows]

    def clear_non_digits(self) -> int:
        """Delete every "not a digit" flag (the teacher's action); return how many."""
        with open_connection(self.path) as connection, write_transaction(connection):
            return connection.execute("DELETE FROM non_digit_flags").rowcount

    def add_attempt(self, challenge: str, score: int, fooled: bool, readable: bool, model_input: np.ndarray, *,
                    collection: str) -> int:
        """Keep one scored challenge attempt of a collection; return its id."""
        collection = validate_collection_name(collection)
        row = (collection, str(challenge), now_text(), int(score), int(bool(fooled)), int(bool(readable)),
               to_uint8_digit(model_input).tobytes())
        return self.insert_bounded("challenge_attempts", config.MAX_CHALLENGE_ATTEMPTS,
                                   "INSERT INTO challenge_attempts (collection, challenge, created_at, score, fooled, "
                                   "readable, digit) VALUES (?, ?, ?, ?, ?, ?, ?)", row)

    def list_attempts(self, challenge: str | None = None) -> list[ChallengeAttempt]:
        """Every attempt (of one challenge if given), oldest first."""
        query, parameters = "SELECT id, collection, challenge, created_at, score, fooled, readable " \
                            "FROM challenge_attempts", ()
        if challenge is not None:
            query, parameters = query + " WHERE challenge = ?", (str(challenge),)
        with open_connection(self.path) as connection:
            rows = connection.execute(query + " ORDER BY id", parameters).fetchall()
        return [ChallengeAttempt(row[0], row[1], row[2], row[3], int(row[4]), bool(row[5]), bool(row[6]))
                for row in rows]

    def version(self) -> str:
        """A short text that changes whenever a flag or an attempt is added or removed (counts and newest ids)."""
        with open_connection(self.path) as connection:
            parts = [connection.execute(f"SELECT COUNT(*), MAX(id) FROM {table}").fetchone() for table in TABLES]
        return "/".join(f"{count}-{last}" for count, last in parts)
