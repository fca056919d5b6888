"""The shared store of the user's labelled drawings: one MyDigitsStore per database file and process."""

import streamlit as st

from mnist_cnn import config
from mnist_cnn.my_digits.collections import DATABASE_NAME, MyDigitsStore


@st.cache_resource
def get_my_digits_store(path: str) -> MyDigitsStore:
    """One MyDigitsStore per database file and process (it opens a connection per operation)."""
    return MyDigitsStore(path)


def my_digits_store() -> MyDigitsStore:
    """The store at the configured user-data folder."""
    return get_my_digits_store(str(config.USER_DATA_DIR / DATABASE_NAME))
