"""This browser's owner secret: the collections it creates are its own, and a cookie keeps that across reloads.

The secret is random (made the first time this browser needs it), kept in the session state, and written into a
cookie by a one-line script, so a reload or a new tab of the same browser reads it back from `st.context.cookies`.
The URL never carries it (links are shared). A browser that refuses cookies keeps ownership until it reloads.
"""

import re
import secrets

import streamlit as st

from mnist_cnn.my_digits.collections import MyDigitsStore

# The cookie, the session-state keys (the secret, and "write the cookie on this run"), and the cookie's life.
COOKIE_NAME = "mnist_cnn_owner"
SECRET_KEY = "owner_secret"
PENDING_KEY = "owner_cookie_pending"
COOKIE_MAX_AGE_SECONDS = 365 * 24 * 3600
SECRET_PATTERN = re.compile(r"[0-9a-f]{64}")


def read_cookie_secret() -> str | None:
    """The secret this browser sent in its cookie when the session started, if it looks like one."""
    value = st.context.cookies.get(COOKIE_NAME)
    return value if isinstance(value, str) and SECRET_PATTERN.fullmatch(value) else None


def find_owner_secret() -> str | None:
    """This browser's secret if it has one (from the session, else its cookie); None before it created anything."""
    if SECRET_KEY not in st.session_state:
        cookie = read_cookie_secret()
        if cookie is None:
            return None
        st.session_state[SECRET_KEY] = cookie
    return st.session_state[SECRET_KEY]


def get_owner_secret() -> str:
    """This browser's secret, made now (and written to its cookie on this run) if it has none yet."""
    secret = find_owner_secret()
    if secret is None:
        secret = secrets.token_hex(32)
        st.session_state[SECRET_KEY] = secret
        st.session_state[PENDING_KEY] = True
    return secret


def write_owner_cookie() -> None:
    """Write a newly made secret into this browser's cookie (once; a script in an otherwise empty element)."""
    if not st.session_state.pop(PENDING_KEY, False):
        return
    secret = st.session_state[SECRET_KEY]  # 64 hex digits: nothing to escape
    st.html(f"<script>document.cookie = '{COOKIE_NAME}={secret}; Max-Age={COOKIE_MAX_AGE_SECONDS}; Path=/; "
            f"SameSite=Strict';</script>", unsafe_allow_javascript=True)


def is_allowed_to_delete(store: MyDigitsStore, collection: str, teacher: bool) -> bool:
    """Whether this browser (or the teacher) may delete the collection's drawings."""
    return store.is_allowed_to_delete(collection, find_owner_secret(), teacher=teacher)
