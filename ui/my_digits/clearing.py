"""The My digits page's Clear column: delete all of a collection's drawings, or the whole collection (the teacher)."""

import streamlit as st

from mnist_cnn.my_digits.collections import DEFAULT_COLLECTION, MyDigitsError
from mnist_cnn.safety.text import escape_markdown
from ui.collections import choose_collection, get_current_collection
from ui.my_digits.gallery import NOTICE_KEY
from ui.my_digits_store import my_digits_store
from ui.ownership import find_owner_secret
from ui.teacher import TEACHER_ONLY_CAPTION, is_teacher

# Session-state keys of the two confirmations.
CONFIRM_CLEAR_KEY = "confirm_clear"
CONFIRM_DELETE_KEY = "confirm_delete_collection"


def clear_collection(collection: str) -> None:
    """Delete every drawing of the collection and untick the confirmation (a button callback)."""
    try:
        my_digits_store().clear(collection=collection, owner_secret=find_owner_secret(), teacher=is_teacher())
    except MyDigitsError as error:
        st.session_state[NOTICE_KEY] = f"Nothing was deleted: {error}"
    st.session_state[CONFIRM_CLEAR_KEY] = False


def delete_whole_collection(collection: str) -> None:
    """Delete the collection and its drawings (a button callback, the teacher's); its sessions go to the default."""
    st.session_state[CONFIRM_DELETE_KEY] = False
    if not is_teacher():
        st.session_state[NOTICE_KEY] = "Only the teacher can delete a collection."
        return
    try:
        my_digits_store().delete_collection(collection)
    except MyDigitsError as error:
        st.session_state[NOTICE_KEY] = f"The collection was not deleted: {error}"
        return
    if get_current_collection() == collection:
        choose_collection(DEFAULT_COLLECTION)
    st.toast(f"The collection {escape_markdown(repr(collection))} was deleted.", icon=":material/delete_forever:")


def show_clearing(collection: str, total: int) -> None:
    """Delete all drawings (with a confirmation) and, but for the default, delete the collection (the teacher's)."""
    if not is_teacher():  # with a teacher password set, only the teacher may delete a collection's drawings
        st.caption(TEACHER_ONLY_CAPTION)
        return
    shown = escape_markdown(repr(collection))  # a checkbox label is Markdown
    sure = st.checkbox(f"Yes, delete all {total} drawings of {shown}", disabled=not total, key=CONFIRM_CLEAR_KEY)
    st.button("Delete all", type="primary", disabled=not (total and sure), icon=":material/delete_forever:",
              on_click=clear_collection, args=(collection,))
    if collection == DEFAULT_COLLECTION:
        return
    sure = st.checkbox(f"Yes, delete the collection {shown} itself, with its {total} drawings, for everyone",
                       key=CONFIRM_DELETE_KEY)
    st.button("Delete collection", disabled=not sure, icon=":material/folder_delete:",
              on_click=delete_whole_collection, args=(collection,))
