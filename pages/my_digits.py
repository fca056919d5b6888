"""My digits: the current collection's drawings, the model's accuracy on them, export, import and clearing."""

import streamlit as st

from mnist_cnn import config
from mnist_cnn.my_digits.collections import MyDigitsError
from mnist_cnn.plots.my_digits import make_counts_chart
from mnist_cnn.safety.text import escape_markdown
from ui.collections import get_current_collection
from ui.my_digits.clearing import show_clearing
from ui.my_digits.gallery import (evaluate_collection, export_collection, show_collection_counts,
                                  show_my_digits_gallery, show_import, show_notice)
from ui.my_digits_store import my_digits_store
from ui.ownership import is_allowed_to_delete
from ui.state import active_model, file_hash
from ui.teacher import is_teacher

st.title("My digits")
collection = get_current_collection()
st.caption(f"Drawings you labelled on the Draw page, in the collection **{escape_markdown(collection)}** (choose or "
           f"create one in the sidebar). They stay in the server's database and can be used to fine-tune "
           f"the network to your handwriting from the sidebar's Retrain panel. A collection holds at most "
           f"{config.MAX_COLLECTION_DIGITS:,} drawings.")
show_notice()
try:
    store = my_digits_store()
    counts = store.count_by_label(collection=collection)
    version = store.data_version(collection)
    may_delete = is_allowed_to_delete(store, collection, is_teacher())
except MyDigitsError as error:
    st.error(f"My digits is unavailable: {escape_markdown(error)}", icon=":material/error:")
    st.stop()
total = sum(counts.values())

top = st.columns([1, 1, 3])
top[0].metric("Drawings", total)
stored, model = active_model()
if total and model is not None:
    accuracy = evaluate_collection(str(store.path), collection, version, str(stored.model_path), file_hash(stored),
                                   model)
    top[1].metric("Model accuracy on them", f"{accuracy:.1%}",
                  help=f"The active model ({stored.name}) on all {total} drawings of {collection!r}.")
top[2].altair_chart(make_counts_chart(counts), width="stretch", alt="Bar chart of drawings per digit: "
                    + ", ".join(f"{digit}: {count}" for digit, count in counts.items()))

if total:
    show_my_digits_gallery(collection, counts, may_delete)
else:
    st.info("No drawings yet. Draw a digit on the Draw page, then click the digit you meant in **Teach it your "
            "handwriting**, over the answer: the drawing is saved here with that label.", icon=":material/draw:")

st.divider()
export_column, import_column, clear_column = st.columns(3)
with export_column:
    st.subheader("Export")
    export = export_collection(str(store.path), collection, version) if total else b""
    st.download_button("Download my digits (.npz)", export, f"my_digits-{collection}.npz",
                       mime="application/octet-stream", disabled=not total, icon=":material/download:",
                       help="MNIST layout: x_train (n, 28, 28) uint8 and y_train (n,); x_test/y_test empty.")
with import_column:
    st.subheader("Import")
    show_import(collection, config.MAX_DIGITS_UPLOAD_MB)

# Delete all: the current collection's drawings only, after a confirmation; the teacher can delete the collection.
with clear_column:
    st.subheader("Clear")
    show_clearing(collection, total)

show_collection_counts()
