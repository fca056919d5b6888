"""Teacher mode: with a teacher password set, destructive actions are offered only to the teacher's session."""

import secrets as random_secrets
import time
from pathlib import Path

import streamlit as st

from mnist_cnn.lessons.teacher import (SECRETS_KEY, find_teacher_password, fingerprint_password, is_correct_password,
                                       is_unlocked)

# Session-state keys: the unlocked password's fingerprint, and the last unlock attempt's message.
UNLOCKED_KEY = "teacher_unlocked"
NOTICE_KEY = "teacher_notice"
WRONG_PASSWORD_DELAY_SECONDS = 1.0  # slows guessing (one session's run waits, no one else's)
# The password in force when the secrets file exists but cannot be parsed: random, so nobody can unlock.
UNREADABLE_SECRETS = random_secrets.token_hex(32)
# Shown where a control is kept for the teacher.
TEACHER_ONLY_CAPTION = "Only the teacher can do this on this server: unlock teacher mode in the sidebar."


def secrets_file_exists() -> bool:
    """True when one of Streamlit's secrets files (e.g. .streamlit/secrets.toml) is there."""
    return any(Path(path).is_file() for path in st.get_option("secrets.files"))


def configured_password() -> str | None:
    """The teacher password from the environment or .streamlit/secrets.toml, or None.

    A secrets file that exists but cannot be read keeps teacher actions locked (UNREADABLE_SECRETS).
    """
    try:
        secrets = dict(st.secrets)
    except FileNotFoundError:  # no secrets file (fine), or a broken one (then fail closed)
        secrets = {} if not secrets_file_exists() else {SECRETS_KEY: UNREADABLE_SECRETS}
    return find_teacher_password(secrets)


def is_teacher() -> bool:
    """True when destructive actions are allowed in this session: no password is set, or it was unlocked."""
    return is_unlocked(st.session_state.get(UNLOCKED_KEY), configured_password())


def wait_after_wrong_guess() -> None:
    """Slow guessing down: a wrong password costs WRONG_PASSWORD_DELAY_SECONDS before its answer."""
    time.sleep(WRONG_PASSWORD_DELAY_SECONDS)


def unlock() -> None:
    """Callback: unlock teacher mode when the typed password is right."""
    typed = st.session_state.get("teacher_password_input") or ""
    st.session_state["teacher_password_input"] = ""
    password = configured_password()
    if password is None or is_correct_password(typed, password):
        st.session_state[UNLOCKED_KEY] = fingerprint_password(password) if password else None
        st.session_state[NOTICE_KEY] = None
    else:
        wait_after_wrong_guess()
        st.session_state[NOTICE_KEY] = "Wrong password."


def lock() -> None:
    """Callback: leave teacher mode."""
    st.session_state[UNLOCKED_KEY] = None


def show_teacher_unlock() -> None:
    """The sidebar's teacher-mode box (only when a teacher password is set)."""
    password = configured_password()
    if password is None:
        return
    with st.sidebar.expander("Teacher mode", icon=":material/lock:", expanded=False):
        if password == UNREADABLE_SECRETS:
            st.error("The secrets file (.streamlit/secrets.toml) cannot be read, so teacher actions stay locked. "
                     "Fix the file and restart the server.")
            return
        if is_teacher():
            st.success("Unlocked: deleting models and drawings and cancelling anyone's training are allowed "
                       "in this browser tab.")
            st.button("Lock", key="teacher_lock", on_click=lock, icon=":material/lock:")
            return
        st.text_input("Teacher password", type="password", key="teacher_password_input")
        st.button("Unlock", key="teacher_unlock", on_click=unlock, icon=":material/lock_open:")
        if st.session_state.get(NOTICE_KEY):
            st.error(st.session_state[NOTICE_KEY])
        st.caption("Deleting models and drawings, and cancelling a training job started by someone else, "
                   "need the teacher password on this server.")
