"""Counters in the shared database that every replica reads: a change on one is seen by the others at once."""

from sqlalchemy import text

from mnist_cnn.database.engine import run_transaction
from mnist_cnn.database.migrate import migrate_to_latest

# The counter a model save or delete raises (ModelStore's scan cache is keyed on it).
MODEL_LIST_VERSION = "model_list_version"


def read_counter(location, name: str) -> int:
    """A counter's value (0 before it was first raised)."""
    def read(connection) -> int:
        row = connection.execute(text("SELECT value FROM shared_state WHERE name = :name"), {"name": name}).first()
        return int(row[0]) if row else 0

    return run_transaction(location, read, write=False)


def raise_counter(location, name: str) -> int:
    """Add one to a counter (created at 1); its new value."""
    def increment(connection) -> int:
        parameters = {"name": name}
        if not connection.execute(text("UPDATE shared_state SET value = value + 1 WHERE name = :name"),
                                  parameters).rowcount:
            connection.execute(text("INSERT INTO shared_state (name, value) VALUES (:name, 1)"), parameters)
        return int(connection.execute(text("SELECT value FROM shared_state WHERE name = :name"), parameters).scalar())

    return run_transaction(location, increment, write=True)


def prepare(location) -> None:
    """Make sure the database at location has the latest schema (a cheap read when it has)."""
    migrate_to_latest(location)
