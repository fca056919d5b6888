"""Who may delete a collection's drawings: the browser that created it (by its secret) or the teacher.

A collection keeps the sha256 of its creating browser's secret (`owner_hash`). One without (the default
collection, and every collection made before owners existed) may have its drawings deleted by anyone, as before.
Also here: when the server holds config.MAX_COLLECTIONS, an old empty collection gives its room to a new one.
"""

import hashlib
import hmac
from datetime import datetime, timedelta, timezone

from sqlalchemy import text

from mnist_cnn import config
from mnist_cnn.my_digits.database import CLASS_SET, DEFAULT_COLLECTION, MyDigitsError


class CollectionProtectedError(MyDigitsError):
    """A drawing of someone else's collection was to be deleted; only its creator's browser or the teacher may."""


def hash_owner_secret(owner_secret: str | None) -> str | None:
    """What the database keeps for a browser's secret (its sha256), or None without one."""
    return hashlib.sha256(owner_secret.encode()).hexdigest() if owner_secret else None


def read_owner_hash(connection, collection: str) -> str | None:
    """The collection's owner_hash (None: no owner, or no such collection)."""
    row = connection.execute(text("SELECT owner_hash FROM collections WHERE name = :name"),
                             {"name": collection}).first()
    return row[0] if row else None


def is_allowed_to_delete(owner_hash: str | None, owner_secret: str | None, teacher: bool) -> bool:
    """Whether a browser with this secret (or the teacher) may delete drawings of a collection with this owner."""
    if teacher or owner_hash is None:
        return True
    offered = hash_owner_secret(owner_secret)
    return offered is not None and hmac.compare_digest(offered, owner_hash)


def check_allowed_to_delete(connection, collection: str, owner_secret: str | None, teacher: bool) -> None:
    """Raise CollectionProtectedError unless this browser (or the teacher) may delete the collection's drawings."""
    if not is_allowed_to_delete(read_owner_hash(connection, collection), owner_secret, teacher):
        raise CollectionProtectedError(f"Only the browser that created the collection {collection!r}, or the "
                                       f"teacher, can delete its drawings.")


def reclaim_empty_collection(connection, now: datetime | None = None) -> bool:
    """Delete the oldest empty collection older than EMPTY_COLLECTION_GRACE_SECONDS; True if any. Never the default
    nor the class set, nor one that holds lesson progress or challenge attempts (someone's work, not drawings).

    Called inside the write transaction of a creation that found the server full.
    """
    now = now or datetime.now(timezone.utc)
    cutoff = (now - timedelta(seconds=config.EMPTY_COLLECTION_GRACE_SECONDS)).isoformat(timespec="seconds")
    row = connection.execute(text(
        "SELECT name FROM collections WHERE name NOT IN (:default, :class_set) AND created_at < :cutoff AND "
        "NOT EXISTS (SELECT 1 FROM drawings WHERE drawings.collection = collections.name) AND "
        "NOT EXISTS (SELECT 1 FROM lesson_progress WHERE lesson_progress.collection = collections.name) AND "
        "NOT EXISTS (SELECT 1 FROM challenge_attempts WHERE challenge_attempts.collection = collections.name) "
        "ORDER BY created_at LIMIT 1"),
        {"default": DEFAULT_COLLECTION, "class_set": CLASS_SET, "cutoff": cutoff}).first()
    if row is None:
        return False
    connection.execute(text("DELETE FROM collections WHERE name = :name"), {"name": row[0]})
    return True
