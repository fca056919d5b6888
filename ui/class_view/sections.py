"""The class view's sections: overview, per collection and per digit, the confusion matrix whose cells open their
drawings, the worst-read drawings, the "not a digit" verdicts and flags, activity over time and the exports."""

from functools import partial

import numpy as np
import pandas as pd
import streamlit as st

from mnist_cnn.evaluation.class_report import (ACTIVITY_MINUTES, compute_class_confusion, count_activity,
                                               find_most_wrong, list_cells, make_csv, make_npz, select_cell,
                                               summarise_collections, summarise_digits)
from mnist_cnn.inputs.images import enlarge_pixels
from mnist_cnn.plots.class_view import make_activity_chart
from mnist_cnn.my_digits.collections import MyDigitsError
from mnist_cnn.plots.explorer import CELL_SELECTION, make_confusion_chart
from mnist_cnn.safety.text import escape_markdown
from ui.my_digits_store import class_records
from ui.teacher import is_teacher

# Session keys: the open confusion-matrix cell ("true-predicted") and the activity chart's bin.
CELL_KEY = "class_view_cell"
CONFIRM_CLEAR_KEY = "class_view_confirm_clear_flags"
ACTIVITY_KEY = "class_view_activity_minutes"
# Drawings shown per gallery (a cell, the worst read, the flags), and their size on screen.
GALLERY_LIMIT = 30
GALLERY_WIDTH = 84
PERCENT = st.column_config.NumberColumn(format="percent")


def show_gallery(images: np.ndarray, captions: list[str]) -> None:
    """Small drawings in a row that wraps, each with its caption (nothing when there are none)."""
    if len(images):
        st.image([enlarge_pixels(image, 3) for image in images], caption=captions, width=GALLERY_WIDTH,
                 alt=[f"Drawing: {caption}" for caption in captions])


def show_overview(reads: pd.DataFrame, total: int) -> None:
    """Four figures: drawings read, collections, the model's accuracy on them, those it calls "not a digit"."""
    columns = st.columns(4)
    columns[0].metric("Drawings", f"{len(reads):,}", help=f"Read by the active model ({total:,} on the server).")
    columns[1].metric("Collections", reads["collection"].nunique())
    accuracy = f"{float((reads['label'] == reads['predicted']).mean()):.1%}" if len(reads) else "—"  # none yet
    columns[2].metric("Accuracy", accuracy, help="Drawings whose most probable digit is their label.")
    columns[3].metric("Read as not a digit", int((~reads["is_digit"]).sum()),
                      help="Labelled drawings whose digit score is below the model's threshold.")


def show_tables(reads_by_collection: pd.DataFrame, reads: pd.DataFrame) -> None:
    """Accuracy per collection (the class set included) beside accuracy per digit."""
    left, right = st.columns([3, 2])
    with left:
        st.markdown("**Per collection**")
        st.dataframe(summarise_collections(reads_by_collection), hide_index=True, width="stretch",
                     key="class_by_collection",
                     column_config={"accuracy": PERCENT, "not_a_digit": "read as not a digit",
                                    "last_drawing": st.column_config.DatetimeColumn("newest", format="HH:mm")})
    with right:
        st.markdown("**Per digit**")
        st.dataframe(summarise_digits(reads), hide_index=True, width="stretch", key="class_by_digit",
                     column_config={"accuracy": PERCENT})


def describe_cell(code: str, counts: dict[str, int]) -> str:
    """'4 read as 9 (3 drawings)' for a cell's code '4-9'."""
    true_digit, predicted_digit = code.split("-")
    verb = "read right" if true_digit == predicted_digit else f"read as {predicted_digit}"
    count = counts.get(code, 0)
    return f"{true_digit} {verb} ({count} drawing{'s' if count != 1 else ''})"


def choose_chart_cell(chart_key: str) -> None:
    """A cell of the matrix was clicked: open it (the selectbox below shows it too)."""
    cells = st.session_state[chart_key].selection.get(CELL_SELECTION) or []
    if cells:
        st.session_state[CELL_KEY] = f"{int(cells[0]['true'])}-{int(cells[0]['predicted'])}"


def show_cell(reads: pd.DataFrame, images: np.ndarray, code: str) -> None:
    """The drawings of one cell: pictures and a table of where they came from."""
    true_digit, predicted_digit = (int(part) for part in code.split("-"))
    chosen = select_cell(reads, true_digit, predicted_digit)[:GALLERY_LIMIT]
    show_gallery(images[chosen], [f"{reads['collection'].iloc[i]} #{reads['id'].iloc[i]}" for i in chosen])
    table = reads.iloc[chosen][["collection", "id", "label", "predicted", "probability", "created_at"]]
    st.dataframe(table, hide_index=True, width="stretch", key="class_cell_drawings",
                 column_config={"probability": PERCENT})


def show_confusion(reads: pd.DataFrame, images: np.ndarray) -> None:
    """The class's confusion matrix; a click on a cell, or the selectbox, opens its drawings."""
    confusion = compute_class_confusion(reads)
    counts = {f"{true}-{predicted}": count for true, predicted, count in list_cells(confusion)}
    if st.session_state.get(CELL_KEY) not in counts:
        st.session_state[CELL_KEY] = None  # the cell emptied since (or nothing is open)
    code = st.session_state[CELL_KEY]
    selected = tuple(int(part) for part in code.split("-")) if code else None
    chart_column, cell_column = st.columns([1, 1.2], gap="medium")
    with chart_column:
        chart_key = f"class_confusion_{code}"  # a new key per open cell: clicking any other cell counts
        st.altair_chart(make_confusion_chart(confusion, selected, size=340, counted="drawings"), key=chart_key,
                        alt="Confusion matrix of the class's drawings: true digit by the digit the model read",
                        width="content", on_select=partial(choose_chart_cell, chart_key), selection_mode=CELL_SELECTION)
    with cell_column:
        st.selectbox("Open a cell", list(counts), index=None, key=CELL_KEY, placeholder="Click a cell, or pick one",
                     format_func=lambda value: describe_cell(value, counts),
                     help="Mistakes first, the most frequent at the top; then the right answers.")
        if code:
            show_cell(reads, images, code)


def show_most_wrong(reads: pd.DataFrame, images: np.ndarray) -> None:
    """The wrong reads with the lowest probability for their label."""
    chosen = find_most_wrong(reads, GALLERY_LIMIT // 2)
    if not len(chosen):
        st.caption("The model reads every drawing right.")
        return
    show_gallery(images[chosen], [
        f"{reads['collection'].iloc[i]}: {reads['label'].iloc[i]} → {reads['predicted'].iloc[i]} "
        f"({reads['true_probability'].iloc[i]:.0%})" for i in chosen])
    st.caption("Each caption: collection, label → what the model read (its probability for the label).")


def show_non_digits(reads: pd.DataFrame, images: np.ndarray, flags: dict) -> None:
    """Labelled drawings the model calls "not a digit", and the drawings students flagged as not a digit."""
    judged = np.flatnonzero(~reads["is_digit"].to_numpy())[:GALLERY_LIMIT]
    st.markdown(f"**The model's verdict: {int((~reads['is_digit']).sum())} labelled drawings read as not a digit**")
    show_gallery(images[judged], [f"{reads['collection'].iloc[i]}: a {reads['label'].iloc[i]}" for i in judged])
    count = len(flags["collections"])
    agreed = int((~flags["is_digit"]).sum())
    st.markdown(f"**Flagged \"not a digit\" by students: {count}** (the model agrees on {agreed})")
    shown = slice(max(0, count - GALLERY_LIMIT), count)  # the newest
    show_gallery(flags["images"][shown], [
        f"{collection}: {'not a digit' if not is_digit else f'read {predicted}'}" for collection, is_digit, predicted
        in zip(flags["collections"][shown], flags["is_digit"][shown], flags["predicted"][shown])])
    if count:
        confirm = st.checkbox("Yes, delete the flag" if count == 1 else f"Yes, delete all {count} flags",
                              key=CONFIRM_CLEAR_KEY)
        st.button("Clear the flags", icon=":material/delete:", key="class_view_clear_flags", disabled=not confirm,
                  on_click=clear_flags)


def clear_flags() -> None:
    """Delete every "not a digit" flag (a button callback; the teacher's only)."""
    st.session_state[CONFIRM_CLEAR_KEY] = False
    if not is_teacher():
        return
    try:
        st.toast(f"Deleted {class_records().clear_non_digits()} flags.", icon=":material/delete:")
    except MyDigitsError as error:
        st.toast(f"The flags were not deleted: {escape_markdown(error)}", icon=":material/error:")


def show_activity(reads: pd.DataFrame) -> None:
    """Drawings saved per 5 or 10 minutes."""
    st.session_state.setdefault(ACTIVITY_KEY, ACTIVITY_MINUTES[0])
    minutes = st.segmented_control("Bins", ACTIVITY_MINUTES, key=ACTIVITY_KEY, format_func=lambda m: f"{m} min")
    minutes = minutes or ACTIVITY_MINUTES[0]
    activity = count_activity(reads, minutes)
    if activity.empty:
        st.caption("No drawings yet.")
        return
    st.altair_chart(make_activity_chart(activity, minutes), width="stretch",
                    alt=f"Bar chart: drawings saved per {minutes} minutes")
    busiest = activity.loc[activity["drawings"].idxmax()]
    st.caption(f"Times in UTC. Busiest: {int(busiest['drawings'])} drawings from {busiest['time']:%H:%M}.")


def show_exports(reads: pd.DataFrame, images: np.ndarray) -> None:
    """CSV (one row per drawing) and .npz (x, y, collection) of every drawing read; made when clicked."""
    columns = st.columns(2)
    columns[0].download_button("Download the reads (.csv)", partial(make_csv, reads), "class-reads.csv",
                               mime="text/csv", icon=":material/table:", key="class_export_csv",
                               help="collection, label, predicted, probability, is_digit, created_at",
                               on_click="ignore")
    columns[1].download_button("Download the drawings (.npz)",
                               partial(make_npz, images, reads["label"].to_numpy(), reads["collection"].tolist()),
                               "class-drawings.npz", mime="application/octet-stream", icon=":material/download:",
                               key="class_export_npz", help="x (n, 28, 28) uint8, y (n,) and collection (n,).",
                               on_click="ignore")
