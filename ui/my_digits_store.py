"""The shared store of the user's labelled drawings: one MyDigitsStore per database and process."""

import streamlit as st

from mnist_cnn import config
from mnist_cnn.database import database_location
from mnist_cnn.my_digits.collections import DATABASE_NAME, MyDigitsStore


@st.cache_resource
def get_my_digits_store(path: str) -> MyDigitsStore:
    """One MyDigitsStore per database (a SQLite file or a URL) and process (it opens a connection per operation)."""
    return MyDigitsStore(path)


def my_digits_store() -> MyDigitsStore:
    """The store in the shared database (MNIST_CNN_DATABASE_URL), else in the configured user-data folder."""
    return get_my_digits_store(database_location() or str(config.USER_DATA_DIR / DATABASE_NAME))
