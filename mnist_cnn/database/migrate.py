"""Bring a database to the latest schema with Alembic, once, under the write lock (replicas may start together).

Files made before Alembic (the SQLite files of earlier versions) have no alembic_version table: the first
revision brings whatever shape they have up to date, so they migrate in place with every drawing kept.
"""

import functools
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from mnist_cnn.database.engine import get_engine, read_transaction, to_url, write_transaction

# The Alembic scripts: migrations/env.py and one file per revision in migrations/versions/.
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def make_alembic_config(connection=None) -> Config:
    """An Alembic Config for the package's scripts (no alembic.ini), running on connection if given."""
    alembic_config = Config()
    alembic_config.set_main_option("script_location", str(MIGRATIONS_DIR))
    alembic_config.attributes["connection"] = connection
    return alembic_config


@functools.cache
def latest_revision() -> str:
    """The head revision of the package's migrations (read once per process)."""
    return ScriptDirectory.from_config(make_alembic_config()).get_current_head()


def current_revision(connection) -> str | None:
    """The revision a database is at (None: new, or made before Alembic)."""
    return MigrationContext.configure(connection).get_current_revision()


def migrate_to_latest(location) -> bool:
    """Create or upgrade the schema at location; True if anything was done (a cheap read when it is current)."""
    if to_url(location).startswith("sqlite"):
        Path(get_engine(location).url.database).parent.mkdir(parents=True, exist_ok=True)
    with read_transaction(location) as connection:
        if current_revision(connection) == latest_revision():
            return False
    if to_url(location).startswith("sqlite"):
        raw = get_engine(location).raw_connection()  # outside any transaction, as SQLite requires
        try:
            raw.driver_connection.execute("PRAGMA journal_mode=WAL")  # readers never wait for the writer
        finally:
            raw.close()
    with write_transaction(location) as connection:  # one replica migrates; the others wait, then find it done
        if current_revision(connection) == latest_revision():
            return False
        command.upgrade(make_alembic_config(connection), "head")
    return True
