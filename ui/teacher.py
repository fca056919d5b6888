"""Teacher mode: with a teacher password set, destructive actions are offered only to the teacher's session."""

import secrets as random_secrets
from pathlib import Path

import streamlit as st

from mnist_cnn import config
from mnist_cnn.lessons.teacher import (SECRETS_KEY, describe_short_password, find_teacher_password,
                                       fingerprint_password, is_correct_password, is_long_enough, is_unlocked)
from mnist_cnn.safety.guess_throttle import GuessThrottle, TooManyGuessesError

# Session-state keys: the unlocked password's fingerprint, and the last unlock attempt's message.
UNLOCKED_KEY = "teacher_unlocked"
NOTICE_KEY = "teacher_notice"
# The passwords in force when the secrets file exists but cannot be parsed, or the configured password is too
# short: random, so nobody can unlock.
UNREADABLE_SECRETS = random_secrets.token_hex(32)
SHORT_PASSWORD = random_secrets.token_hex(32)
# Every session's password guesses go through this one throttle (tests replace it with one on a fake clock).
GUESS_THROTTLE = GuessThrottle(config.TEACHER_GUESS_FIRST_WAIT_SECONDS, config.TEACHER_GUESS_LONGEST_WAIT_SECONDS,
                               config.TEACHER_GUESS_QUIET_SECONDS)
# Shown where a control is kept for the teacher.
TEACHER_ONLY_CAPTION = "Only the teacher can do this on this server: unlock teacher mode in the sidebar."


def secrets_file_exists() -> bool:
    """True when one of Streamlit's secrets files (e.g. .streamlit/secrets.toml) is there."""
    return any(Path(path).is_file() for path in st.get_option("secrets.files"))


def configured_password() -> str | None:
    """The teacher password from the environment or .streamlit/secrets.toml, or None.

    A secrets file that exists but cannot be read keeps teacher actions locked (UNREADABLE_SECRETS), and so does
    a password shorter than config.MIN_TEACHER_PASSWORD_LENGTH (SHORT_PASSWORD).
    """
    try:
        secrets = dict(st.secrets)
    except FileNotFoundError:  # no secrets file (fine), or a broken one (then fail closed)
        secrets = {} if not secrets_file_exists() else {SECRETS_KEY: UNREADABLE_SECRETS}
    password = find_teacher_password(secrets)
    if password is not None and not is_long_enough(password):
        return SHORT_PASSWORD
    return password


def is_teacher() -> bool:
    """True when destructive actions are allowed in this session: no password is set, or it was unlocked."""
    return is_unlocked(st.session_state.get(UNLOCKED_KEY), configured_password())


def is_unlocked_teacher() -> bool:
    """True only in a session that unlocked a configured teacher password (not merely a server without one)."""
    password = configured_password()
    return password is not None and is_unlocked(st.session_state.get(UNLOCKED_KEY), password)


def describe_guesser() -> str:
    """Who guessed, for the log: the browser's IP address when Streamlit knows it."""
    address = getattr(st.context, "ip_address", None)
    return str(address) if address else ""


def unlock() -> None:
    """Callback: unlock teacher mode when the typed password is right, unless guesses must wait (any session's)."""
    typed = st.session_state.get("teacher_password_input") or ""
    st.session_state["teacher_password_input"] = ""
    password = configured_password()
    if password is None:
        st.session_state[UNLOCKED_KEY], st.session_state[NOTICE_KEY] = None, None
        return
    try:
        GUESS_THROTTLE.admit_guess()
    except TooManyGuessesError as error:
        st.session_state[NOTICE_KEY] = str(error)
        return
    if is_correct_password(typed, password):
        GUESS_THROTTLE.record_right_guess()
        st.session_state[UNLOCKED_KEY] = fingerprint_password(password)
        st.session_state[NOTICE_KEY] = None
    else:
        GUESS_THROTTLE.record_wrong_guess(describe_guesser())
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
        if password == SHORT_PASSWORD:
            st.error(describe_short_password())
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
