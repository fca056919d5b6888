"""The shared stores of the user's labelled drawings: one MyDigitsStore (and ClassRecords) per database and process."""

import streamlit as st

from mnist_cnn import config
from mnist_cnn.my_digits.class_records import ClassRecords
from mnist_cnn.my_digits.collections import DATABASE_NAME, MyDigitsStore


@st.cache_resource
def get_my_digits_store(path: str) -> MyDigitsStore:
    """One MyDigitsStore per database file and process (it opens a connection per operation)."""
    return MyDigitsStore(path)


def my_digits_store() -> MyDigitsStore:
    """The store at the configured user-data folder."""
    return get_my_digits_store(str(config.USER_DATA_DIR / DATABASE_NAME))


@st.cache_resource
def get_class_records(path: str) -> ClassRecords:
    """One ClassRecords ("not a digit" flags, challenge attempts) per database file and process."""
    return ClassRecords(path)


def class_records() -> ClassRecords:
    """The class records in the configured user-data folder's drawings database."""
    return get_class_records(str(config.USER_DATA_DIR / DATABASE_NAME))
