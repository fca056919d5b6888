"""The app's shared database: SQLite by default, PostgreSQL by URL; engines, tables, Alembic migrations, locks."""

from mnist_cnn.database.engine import (DATABASE_URL_VARIABLE, DatabaseUnavailableError, database_location,
                                       get_engine, is_postgresql, read_transaction, to_url, write_transaction)
from mnist_cnn.database.migrate import migrate_to_latest

__all__ = ["DATABASE_URL_VARIABLE", "DatabaseUnavailableError", "database_location", "get_engine", "is_postgresql",
           "migrate_to_latest", "read_transaction", "to_url", "write_transaction"]
