"""The server's rate limits (one object each, shared by every session) and this session's key in them.

Each limit is a `RateLimiter` of mnist_cnn/safety/rate_limit.py with its value from mnist_cnn/config.py. Callers
read them as `limits.SAVES` (not imported by name), so tests can put limiters on a fake clock in their place.
"""

import secrets
from contextlib import contextmanager

import streamlit as st

from mnist_cnn import config
from mnist_cnn.my_digits.database import MyDigitsError
from mnist_cnn.safety.rate_limit import SERVER_WIDE, RateLimiter

# Session-state key of this session's random key in the per-session limits.
SESSION_KEY = "rate_limit_session"

SAVES = RateLimiter(config.MAX_SAVES_PER_MINUTE, 60, "drawings saved from this browser tab")
IMPORTS = RateLimiter(config.MAX_IMPORTS_PER_HOUR, 3600, "imports from this browser tab")
SESSION_COLLECTIONS = RateLimiter(config.MAX_NEW_COLLECTIONS_PER_SESSION_HOUR, 3600,
                                  "new collections from this browser tab")
SERVER_COLLECTIONS = RateLimiter(config.MAX_NEW_COLLECTIONS_PER_WINDOW, config.NEW_COLLECTIONS_WINDOW_SECONDS,
                                 "new collections on this server (everyone's together)")
JOB_STARTS = RateLimiter(config.MAX_JOB_STARTS_PER_SESSION, config.JOB_START_WINDOW_SECONDS,
                         "training jobs started from this browser tab")


def session_key() -> str:
    """This session's key in the per-session limits (random, made on first use)."""
    if SESSION_KEY not in st.session_state:
        st.session_state[SESSION_KEY] = secrets.token_hex(8)
    return st.session_state[SESSION_KEY]


def acquire_for_session(limiter: RateLimiter) -> None:
    """Count one action of this session against the limiter, or raise RateLimitError (counting nothing)."""
    limiter.acquire(session_key())


def refund_for_session(limiter: RateLimiter) -> None:
    """Take back this session's latest action (it failed, or changed nothing)."""
    limiter.refund(session_key())


@contextmanager
def counted_save():
    """Count one save of this session (RateLimitError when over the limit); a save that fails is not counted."""
    acquire_for_session(SAVES)
    try:
        yield
    except MyDigitsError:
        refund_for_session(SAVES)
        raise


def acquire_new_collection() -> None:
    """Count one new collection of this session and of the server, or raise RateLimitError (counting neither)."""
    acquire_for_session(SESSION_COLLECTIONS)
    try:
        SERVER_COLLECTIONS.acquire(SERVER_WIDE)
    except ValueError:
        refund_for_session(SESSION_COLLECTIONS)
        raise


def refund_new_collection() -> None:
    """Take back this session's latest new collection, in both limits (it was not created)."""
    refund_for_session(SESSION_COLLECTIONS)
    SERVER_COLLECTIONS.refund(SERVER_WIDE)


def reset_all() -> None:
    """Forget every session's and the server's counted actions (tests start each from nothing)."""
    for limiter in (SAVES, IMPORTS, SESSION_COLLECTIONS, SERVER_COLLECTIONS, JOB_STARTS):
        limiter.reset()
