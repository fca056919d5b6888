"""Streamlit glue for the My digits page: cached evaluation and export, the paged gallery, import, and callbacks."""

import pandas as pd
import streamlit as st

from mnist_cnn.evaluation.metrics import evaluate_model
from mnist_cnn.inputs.images import enlarge_pixels
from mnist_cnn.my_digits.collections import MyDigitsError
from mnist_cnn.safety.rate_limit import RateLimitError
from mnist_cnn.safety.text import escape_markdown
from ui import limits
from ui.my_digits_store import get_my_digits_store, my_digits_store
from ui.ownership import find_owner_secret
from ui.teacher import is_teacher

# The gallery shows this many drawings per page.
GALLERY_PAGE_SIZE = 40
# Each drawing is a tile this wide (its picture and a whole "Delete" button); as many to a row as the screen holds.
GALLERY_TILE_WIDTH_PX = 124
# Cached evaluations and exports kept per process (one per collection, data version and model).
MAX_CACHED_RESULTS = 32
# Session-state key of a message from a callback (a delete that failed), shown on the next run.
NOTICE_KEY = "my_digits_notice"
# Shown instead of the delete buttons in a collection another browser created.
PROTECTED_CAPTION = ("Only the browser that created this collection, or the teacher, can delete its drawings. "
                     "You can still add drawings to it.")


@st.cache_data(max_entries=MAX_CACHED_RESULTS, show_spinner="Evaluating the model on your drawings…")
def evaluate_collection(database_path: str, collection: str, data_version: str, model_path: str, model_hash: str,
                        _model) -> float:
    """The model's accuracy on a collection, recomputed only when its data or the model changes."""
    images, labels = get_my_digits_store(database_path).to_arrays(collection=collection)
    return evaluate_model(_model, images, labels).accuracy


@st.cache_data(max_entries=MAX_CACHED_RESULTS, show_spinner=False)
def export_collection(database_path: str, collection: str, data_version: str) -> bytes:
    """A collection's .npz export, rebuilt only when its data changes."""
    return get_my_digits_store(database_path).export_npz(collection=collection)


def delete_drawing(digit_id: int, collection: str) -> None:
    """Delete one drawing of the collection if this browser or the teacher may (a button callback); else a notice."""
    try:
        my_digits_store().delete(digit_id, collection=collection, owner_secret=find_owner_secret(),
                                 teacher=is_teacher())
    except MyDigitsError as error:
        st.session_state[NOTICE_KEY] = f"The drawing was not deleted: {error}"


def show_notice() -> None:
    """Show, once, what a callback of the previous run could not do (as text: it may quote a name)."""
    notice = st.session_state.pop(NOTICE_KEY, None)
    if notice:
        st.error(escape_markdown(notice))


def show_my_digits_gallery(collection: str, counts: dict[int, int], may_delete: bool) -> None:
    """One page of the collection's drawings (optionally of one digit), each with a delete button if may_delete."""
    digits_shown = [digit for digit in counts if counts[digit]]
    label = st.segmented_control("Show", ["all"] + digits_shown, default="all", key="gallery_digit",
                                 format_func=lambda value: "all digits" if value == "all" else f"{value}s")
    label = None if label in (None, "all") else int(label)
    total = sum(counts.values()) if label is None else counts[label]
    page_count = max(1, -(-total // GALLERY_PAGE_SIZE))
    page, page_key = 1, f"gallery_page_{label}"
    if page_count > 1:
        if st.session_state.get(page_key, 1) > page_count:  # after deletions
            st.session_state[page_key] = page_count
        page = st.number_input(f"Page (of {page_count}, {GALLERY_PAGE_SIZE} drawings each)", 1, page_count,
                               key=page_key)
    items = my_digits_store().list_digits(label, collection=collection, limit=GALLERY_PAGE_SIZE,
                                           offset=(int(page) - 1) * GALLERY_PAGE_SIZE)
    if not may_delete:
        st.caption(PROTECTED_CAPTION)
    tiles = st.container(horizontal=True, gap="small", key="gallery_tiles")
    for item in items:
        tile = tiles.container(width=GALLERY_TILE_WIDTH_PX)
        tile.image(enlarge_pixels(item.digit, 3), caption=f"{item.label} · #{item.id}",
                   alt=f"Drawing #{item.id}, labelled {item.label}")
        if may_delete:
            tile.button("Delete", key=f"delete_{item.id}", icon=":material/delete:",
                        help=f"Delete drawing #{item.id}", on_click=delete_drawing, args=(item.id, collection))


def import_counted(data: bytes, collection: str) -> int:
    """Add an .npz's digits to the collection, counted against this session's MAX_IMPORTS_PER_HOUR; how many."""
    limits.acquire_for_session(limits.IMPORTS)
    try:
        return my_digits_store().import_npz(data, collection=collection)
    except MyDigitsError:
        limits.refund_for_session(limits.IMPORTS)
        raise


def show_import(collection: str, max_upload_mb: int) -> None:
    """An .npz uploader (its own small size limit) that adds the file's digits to the collection once."""
    upload = st.file_uploader("An .npz in MNIST layout", type=["npz"], key="import_npz",
                              max_upload_size=max_upload_mb)
    imported = st.session_state.setdefault("imported_files", set())
    if upload is not None and upload.file_id in imported:
        st.success(f"{escape_markdown(upload.name)} was imported.")
    elif upload is not None and st.button("Add these digits", icon=":material/upload:"):
        try:
            added = import_counted(upload.getvalue(), collection)
            imported.add(upload.file_id)
            st.success(f"Added {added} digits from {escape_markdown(upload.name)} to "
                       f"{escape_markdown(repr(collection))}.")
        except (MyDigitsError, RateLimitError) as error:
            st.error(f"Nothing was imported: {escape_markdown(error)}")


def show_collection_counts() -> None:
    """How many drawings each collection on this server holds (for the teacher)."""
    counts = my_digits_store().count_by_collection()
    with st.expander(f"All collections on this server ({len(counts)})", icon=":material/groups:"):
        st.dataframe(pd.DataFrame({"collection": list(counts), "drawings": list(counts.values())}),
                     hide_index=True, width="stretch")
