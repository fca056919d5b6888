"""What a class leaves besides labelled drawings: "not a digit" flags and challenge attempts, in two small tables.

They live in the drawings database (the SQLite file, or the shared PostgreSQL) but in tables of their own, so
that the drawings table keeps its schema (its label is a digit 0-9, which a "not a digit" drawing is not). Each row
names the collection it came from. Both tables are bounded server-wide (config.MAX_NON_DIGIT_FLAGS,
config.MAX_CHALLENGE_ATTEMPTS).
"""

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sqlalchemy import text

from mnist_cnn import config
from mnist_cnn.my_digits.collections import (DATABASE_NAME, MyDigitsError, encode_drawing, now_text, to_uint8_digit,
                                             validate_collection_name)
from mnist_cnn.database import database_location
from mnist_cnn.my_digits.database import create_or_migrate, run_in_transaction

# The two tables (made by the Alembic revision mnist_cnn/database/migrations/versions/r0004_class_records.py).
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


class ClassRecords:
    """The "not a digit" flags and the challenge attempts of a server; errors are MyDigitsError with a message."""

    def __init__(self, path=None):
        location = path if path is not None else (database_location() or config.USER_DATA_DIR / DATABASE_NAME)
        self.path = str(location) if "://" in str(location) else Path(location)  # a SQLite file, or a database URL
        create_or_migrate(self.path)

    def read_all(self, query: str, parameters: dict) -> list:
        """Every row of a read query."""
        return run_in_transaction(self.path, lambda connection: connection.execute(text(query), parameters).all())

    def insert_bounded(self, table: str, limit: int, statement: str, row: dict) -> int:
        """Insert one row into table unless it already holds limit rows; return its id."""
        def insert(connection) -> int:
            count = connection.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar()
            if count >= limit:
                raise MyDigitsError(f"This server already keeps {count:,} of at most {limit:,} of these; ask the "
                                    f"teacher to clear some in the class view.")
            connection.execute(text(statement), row)
            return int(connection.execute(text(f"SELECT MAX(id) FROM {table}")).scalar())  # writes one at a time

        return run_in_transaction(self.path, insert, write=True)

    def add_non_digit(self, model_input: np.ndarray, drawing: np.ndarray | None, predicted: int, *,
                      collection: str) -> int:
        """Keep a drawing flagged "not a digit" from a collection, with the digit the model read; return its id."""
        row = {"collection": validate_collection_name(collection), "now": now_text(), "predicted": int(predicted),
               "digit": to_uint8_digit(model_input).tobytes(), "drawing": encode_drawing(drawing)}
        return self.insert_bounded("non_digit_flags", config.MAX_NON_DIGIT_FLAGS,
                                   "INSERT INTO non_digit_flags (collection, created_at, predicted, digit, "
                                   "drawing_png) VALUES (:collection, :now, :predicted, :digit, :drawing)", row)

    def list_non_digits(self) -> list[NonDigitFlag]:
        """Every "not a digit" flag, oldest first."""
        rows = self.read_all("SELECT id, collection, created_at, predicted, digit FROM non_digit_flags ORDER BY id",
                             {})
        return [NonDigitFlag(row[0], row[1], row[2], row[3], np.frombuffer(bytes(row[4]), np.uint8).reshape(28, 28))
                for row in rows]

    def clear_non_digits(self) -> int:
        """Delete every "not a digit" flag (the teacher's action); return how many."""
        return run_in_transaction(self.path, lambda connection: connection.execute(
            text("DELETE FROM non_digit_flags")).rowcount, write=True)

    def add_attempt(self, challenge: str, score: int, fooled: bool, readable: bool, model_input: np.ndarray, *,
                    collection: str) -> int:
        """Keep one scored challenge attempt of a collection; return its id."""
        row = {"collection": validate_collection_name(collection), "challenge": str(challenge), "now": now_text(),
               "score": int(score), "fooled": int(bool(fooled)), "readable": int(bool(readable)),
               "digit": to_uint8_digit(model_input).tobytes()}
        return self.insert_bounded("challenge_attempts", config.MAX_CHALLENGE_ATTEMPTS,
                                   "INSERT INTO challenge_attempts (collection, challenge, created_at, score, fooled, "
                                   "readable, digit) VALUES (:collection, :challenge, :now, :score, :fooled, "
                                   ":readable, :digit)", row)

    def list_attempts(self, challenge: str | None = None) -> list[ChallengeAttempt]:
        """Every attempt (of one challenge if given), oldest first."""
        query, parameters = ("SELECT id, collection, challenge, created_at, score, fooled, readable "
                             "FROM challenge_attempts"), {}
        if challenge is not None:
            query, parameters = query + " WHERE challenge = :challenge", {"challenge": str(challenge)}
        return [ChallengeAttempt(row[0], row[1], row[2], row[3], int(row[4]), bool(row[5]), bool(row[6]))
                for row in self.read_all(query + " ORDER BY id", parameters)]

    def version(self) -> str:
        """A short text that changes whenever a flag or an attempt is added or removed (counts and newest ids)."""
        parts = [self.read_all(f"SELECT COUNT(*), MAX(id) FROM {table}", {})[0] for table in TABLES]
        return "/".join(f"{count}-{last}" for count, last in parts)
