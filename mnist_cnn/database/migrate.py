"""Bring a database to the latest schema with Alembic, once, under the write lock (replicas may start together).

Files made before Alembic (the SQLite files of earlier versions) have no alembic_version table: the first
revision brings whatever shape they have up to date, so they migrate in place with every drawing kept.
"""

import functools
import re
from pathlib import Path

import sqlalchemy
from sqlalchemy import text

from mnist_cnn.database.engine import get_engine, read_transaction, to_url, write_transaction

# The Alembic scripts: migrations/env.py and one file per revision in migrations/versions/.
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# A revision file's `revision = "..."` and `down_revision = "..."` lines (read without importing Alembic).
REVISION_LINE = re.compile(r'^(down_revision|revision) = (?:"([^"]*)"|None)', re.MULTILINE)


def make_alembic_config(connection=None):
    """An Alembic Config for the package's scripts (no alembic.ini), running on connection if given."""
    from alembic.config import Config

    alembic_config = Config()
    alembic_config.set_main_option("script_location", str(MIGRATIONS_DIR))
    alembic_config.attributes["connection"] = connection
    return alembic_config


@functools.cache
def latest_revision() -> str:
    """The head revision of the package's migrations: the one no other revision follows (read once per process;
    Alembic itself is imported only when a database needs migrating)."""
    revisions, parents = set(), set()
    for path in (MIGRATIONS_DIR / "versions").glob("r*.py"):
        lines = dict((name, value) for name, value in REVISION_LINE.findall(path.read_text()))
        revisions.add(lines["revision"])
        parents.add(lines.get("down_revision") or None)
    heads = revisions - parents
    if len(heads) != 1:
        raise ValueError(f"The migrations must form one line; heads found: {sorted(heads)}.")
    return heads.pop()


def current_revision(connection) -> str | None:
    """The revision a database is at (None: new, or made before Alembic)."""
    if not sqlalchemy.inspect(connection).has_table("alembic_version"):
        return None
    return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


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
        from alembic import command

        command.upgrade(make_alembic_config(connection), "head")
    return True
