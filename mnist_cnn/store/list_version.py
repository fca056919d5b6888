"""The model list's version in the shared database: a save or delete on any replica raises it, and every replica
re-lists its model folder when it sees it change (read at most once a second per process).

Without a shared database (MNIST_CNN_DATABASE_URL unset: one server) there is no version: the folder's own
listing says when it changed.
"""

import logging
import threading
import time

from mnist_cnn.database import database_location

# How long a process reuses the version it read (every page run asks; the database is asked once a second).
VERSION_CACHE_SECONDS = 1.0

_LOGGER = logging.getLogger(__name__)
_CACHE: dict = {}
_CACHE_LOCK = threading.Lock()


def read_list_version() -> int | None:
    """The shared model list's version (cached for VERSION_CACHE_SECONDS), or None without a shared database or
    while it cannot be read (the folder's listing then decides alone)."""
    url = database_location()
    if url is None:
        return None
    now = time.monotonic()
    with _CACHE_LOCK:
        cached = _CACHE.get(url)
    if cached is not None and now - cached[0] < VERSION_CACHE_SECONDS:
        return cached[1]
    from mnist_cnn.database.shared_state import MODEL_LIST_VERSION, prepare, read_counter

    try:
        prepare(url)
        version = read_counter(url, MODEL_LIST_VERSION)
    except Exception:  # noqa: BLE001 (an unreachable database must not hide the models)
        _LOGGER.warning("The model list's version could not be read from the shared database.", exc_info=True)
        with _CACHE_LOCK:
            _CACHE[url] = (now, None)  # asked again after VERSION_CACHE_SECONDS, not on every page run
        return None
    with _CACHE_LOCK:
        _CACHE[url] = (now, version)
    return version


def raise_list_version() -> None:
    """Tell every replica that the model list changed (after a save or delete); nothing without a shared database."""
    url = database_location()
    if url is None:
        return
    from mnist_cnn.database.shared_state import MODEL_LIST_VERSION, prepare, raise_counter

    try:
        prepare(url)
        version = raise_counter(url, MODEL_LIST_VERSION)
    except Exception:  # noqa: BLE001 (the model is saved; other replicas will see it when their folder listing does)
        _LOGGER.warning("The model list's version could not be raised in the shared database.", exc_info=True)
        return
    with _CACHE_LOCK:
        _CACHE[url] = (time.monotonic(), version)
