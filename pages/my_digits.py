"""My digits: the drawings you labelled, grouped by digit, with the model's accuracy on them, export and import."""

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

from mnist_cnn.evaluation import evaluate_model
from mnist_cnn.user_digits import UserDigitsError
from ui.state import active_model
from ui.teacher import TEACHER_ONLY_CAPTION, is_teacher
from ui.user_digits import user_digit_store

# How many drawings of one digit are shown per row.
GALLERY_COLUMNS = 10



def clear_all_drawings() -> None:
    """Delete every drawing and untick the confirmation."""
    user_digit_store().clear()
    st.session_state["confirm_clear"] = False


st.title("My digits")
st.caption("Drawings you labelled on the Draw page. They stay on this server (a local SQLite file) and can be "
           "used to fine-tune the network to your handwriting from the sidebar's Retrain panel.")
store = user_digit_store()
counts = store.count_by_label()
total = sum(counts.values())

top = st.columns([1, 1, 3])
top[0].metric("Drawings", total)
stored, model = active_model()
if total and model is not None:
    images, labels = store.to_arrays()
    evaluation = evaluate_model(model, images, labels)
    top[1].metric("Model accuracy on them", f"{evaluation.accuracy:.1%}",
                  help=f"The active model ({stored.name}) on all {total} of your drawings.")
chart = alt.Chart(pd.DataFrame({"digit": [str(d) for d in counts], "drawings": list(counts.values())})).mark_bar(
    color="#4c78a8").encode(x=alt.X("digit:N", axis=alt.Axis(labelAngle=0)), y="drawings:Q",
                            tooltip=["digit", "drawings"]).properties(height=140)
top[2].altair_chart(chart, width="stretch")

if not total:
    st.info("No drawings yet. Draw a digit on the Draw page, then press **Yes, it is a …** or pick the right "
            "digit and **Save**.", icon=":material/draw:")

for digit in range(10):
    digits = store.list_digits(label=digit) if counts[digit] else []
    if not digits:
        continue
    with st.expander(f"Digit {digit}: {len(digits)} drawing{'s' if len(digits) != 1 else ''}",
                     expanded=len(digits) <= 20):
        for start in range(0, len(digits), GALLERY_COLUMNS):
            columns = st.columns(GALLERY_COLUMNS)
            for column, item in zip(columns, digits[start:start + GALLERY_COLUMNS]):
                column.image(np.kron(item.digit, np.ones((3, 3), np.uint8)), caption=f"#{item.id}")
                column.button("Delete", key=f"delete_{item.id}", icon=":material/delete:",
                              help="Delete this drawing", on_click=store.delete, args=(item.id,))

st.divider()
export_column, import_column, clear_column = st.columns(3)
with export_column:
    st.subheader("Export")
    st.download_button("Download my digits (.npz)", store.export_npz() if total else b"", "my_digits.npz",
                       mime="application/octet-stream", disabled=not total, icon=":material/download:",
                       help="MNIST layout: x_train (n, 28, 28) uint8 and y_train (n,); x_test/y_test empty.")
with import_column:
    st.subheader("Import")
    upload = st.file_uploader("An .npz in MNIST layout", type=["npz"], key="import_npz")
    imported = st.session_state.setdefault("imported_files", set())
    if upload is not None and upload.file_id in imported:
        st.success(f"{upload.name} was imported.")
    elif upload is not None and st.button("Add these digits", icon=":material/upload:"):
        try:
            added = store.import_npz(upload.getvalue())
            imported.add(upload.file_id)
            st.success(f"Added {added} digits from {upload.name}.")
        except UserDigitsError as error:
            st.error(f"Nothing was imported: {error}")
with clear_column:
    st.subheader("Clear")
    if is_teacher():  # with a teacher password set, only the teacher may delete everyone's drawings
        sure = st.checkbox(f"Yes, delete all {total} drawings", disabled=not total, key="confirm_clear")
        st.button("Delete all", type="primary", disabled=not (total and sure), icon=":material/delete_forever:",
                  on_click=clear_all_drawings)
    else:
        st.caption(TEACHER_ONLY_CAPTION)
