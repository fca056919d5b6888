"""Alembic's entry point: run the revisions on the connection mnist_cnn.database.migrate hands over."""

from alembic import context


def run_migrations_online() -> None:
    """Run the pending revisions inside the caller's transaction (it holds the write lock)."""
    connection = context.config.attributes["connection"]
    if connection is None:
        raise ValueError("Run migrations through mnist_cnn.database.migrate_to_latest, which passes a connection.")
    context.configure(connection=connection, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise ValueError("Offline (SQL script) migrations are not supported; use migrate_to_latest.")
run_migrations_online()
