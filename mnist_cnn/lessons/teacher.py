"""The teacher password: where it is configured, whether it is long enough, how a typed one is checked."""

import hashlib
import hmac
import os
from collections.abc import Mapping

from mnist_cnn import config

# Where the password may be set: this environment variable, else this key of .streamlit/secrets.toml.
PASSWORD_ENVIRONMENT_VARIABLE = "MNIST_CNN_TEACHER_PASSWORD"
SECRETS_KEY = "teacher_password"


def find_teacher_password(secrets: Mapping | None, environment: Mapping | None = None) -> str | None:
    """The configured teacher password (environment first, then secrets), or None when none is set."""
    environment = os.environ if environment is None else environment
    for source in (environment.get(PASSWORD_ENVIRONMENT_VARIABLE), (secrets or {}).get(SECRETS_KEY)):
        if isinstance(source, str) and source:
            return source
    return None


def is_long_enough(password: str) -> bool:
    """Whether a configured password has at least config.MIN_TEACHER_PASSWORD_LENGTH characters."""
    return len(password) >= config.MIN_TEACHER_PASSWORD_LENGTH


def describe_short_password() -> str:
    """Why teacher mode stays locked when the configured password is too short, and what to do."""
    return (f"The teacher password set on this server is shorter than {config.MIN_TEACHER_PASSWORD_LENGTH} "
            f"characters, so teacher mode stays locked for everyone (a short password is guessed quickly). Set a "
            f"longer one ({PASSWORD_ENVIRONMENT_VARIABLE}, or {SECRETS_KEY} in .streamlit/secrets.toml) and restart "
            f"the server.")


def fingerprint_password(password: str) -> str:
    """A digest that stands for the password in session state (so that the password itself is not kept)."""
    return hashlib.sha256(password.encode()).hexdigest()


def is_correct_password(typed: str, password: str) -> bool:
    """True when the typed password is the configured one; compared in constant time."""
    return hmac.compare_digest(fingerprint_password(typed or ""), fingerprint_password(password))


def is_unlocked(unlocked_fingerprint: str | None, password: str | None) -> bool:
    """True without a password; with one, True when the session unlocked it (and it has not changed since)."""
    if password is None:
        return True
    return isinstance(unlocked_fingerprint, str) and hmac.compare_digest(unlocked_fingerprint,
                                                                         fingerprint_password(password))
