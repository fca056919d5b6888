"""The shared stores of the user's labelled drawings: one MyDigitsStore (and ClassRecords) per database and process."""

import streamlit as st

from mnist_cnn import config
from mnist_cnn.database import database_location
from mnist_cnn.my_digits.class_records import ClassRecords
from mnist_cnn.my_digits.collections import DATABASE_NAME, MyDigitsStore


@st.cache_resource
def get_my_digits_store(path: str) -> MyDigitsStore:
    """One MyDigitsStore per database (a SQLite file or a URL) and process (it opens a connection per operation)."""
    return MyDigitsStore(path)


def database_path() -> str:
    """The shared database's URL (MNIST_CNN_DATABASE_URL), else the SQLite file in the user-data folder."""
    return database_location() or str(config.USER_DATA_DIR / DATABASE_NAME)


def my_digits_store() -> MyDigitsStore:
    """The drawings store in the configured database."""
    return get_my_digits_store(database_path())


@st.cache_resource
def get_class_records(path: str) -> ClassRecords:
    """One ClassRecords ("not a digit" flags, challenge attempts) per database and process."""
    return ClassRecords(path)


def class_records() -> ClassRecords:
    """The class records in the configured database."""
    return get_class_records(database_path())
