"""PostgreSQL session advisory locks on a connection of their own: held until closed or until the holder dies.

PostgreSQL ends a session whose client process died (its socket closes; TCP keepalives catch a machine that
vanished), and a session's advisory locks go with it, so a lock is never left behind by a killed replica.
Keep this connection direct to PostgreSQL: a transaction-pooling pgbouncer would break session locks.
"""

import sqlalchemy

# TCP keepalives of the lock's connection: a machine that vanished releases its lock within about a minute.
KEEPALIVE_SETTINGS = {"keepalives": 1, "keepalives_idle": 30, "keepalives_interval": 10, "keepalives_count": 3}


def connect_directly(url: str):
    """A new psycopg connection (autocommit, outside any pool) to the database a SQLAlchemy URL names."""
    import psycopg

    parsed = sqlalchemy.engine.make_url(url)
    return psycopg.connect(host=parsed.host or "127.0.0.1", port=parsed.port or 5432, user=parsed.username,
                           password=parsed.password, dbname=parsed.database, autocommit=True,
                           connect_timeout=10, **KEEPALIVE_SETTINGS)


class AdvisoryLock:
    """One held session advisory lock; close() releases it (so does the death of this process)."""

    def __init__(self, connection, key: int):
        self.connection, self.key = connection, key

    @classmethod
    def try_acquire(cls, url: str, key: int) -> "AdvisoryLock | None":
        """Take the lock now if nobody holds it (on a new connection); None if someone does."""
        connection = connect_directly(url)
        try:
            taken = connection.execute("SELECT pg_try_advisory_lock(%s)", (key,)).fetchone()[0]
        except BaseException:
            connection.close()
            raise
        if not taken:
            connection.close()
            return None
        return cls(connection, key)

    def close(self) -> None:
        """Release the lock (by ending its session)."""
        if self.connection is not None:
            self.connection.close()
            self.connection = None


def is_lock_held(url: str, key: int) -> bool:
    """Whether some session holds the advisory lock (tried and released at once if free)."""
    lock = AdvisoryLock.try_acquire(url, key)
    if lock is None:
        return True
    lock.close()
    return False
