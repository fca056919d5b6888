"""Class view (teacher mode): every collection's drawings as the active model reads them, refreshed during a lesson."""

from datetime import datetime, timezone

import streamlit as st

from mnist_cnn.my_digits.class_set import CLASS_SET
from mnist_cnn.my_digits.collections import MyDigitsError
from mnist_cnn.safety.text import escape_markdown
from ui.class_view.class_model import show_class_model, show_leaderboard
from ui.class_view.reads import read_class, read_non_digits
from ui.class_view.sections import (show_activity, show_confusion, show_exports, show_most_wrong, show_non_digits,
                                    show_overview, show_tables)
from ui.my_digits_store import class_records, my_digits_store
from ui.state import file_hash, require_model
from ui.teacher import TEACHER_ONLY_CAPTION, configured_password, is_teacher

# How often the view reads the class again while the switch is on (seconds): a lesson's pace, a cheap read.
REFRESH_SECONDS = 10
AUTO_REFRESH_KEY = "class_view_auto_refresh"


def show_class(stored, model) -> None:
    """Everything the view shows, from the current drawings (each collection read again only when it changed)."""
    try:
        store, records = my_digits_store(), class_records()
        class_reads = read_class(store, file_hash(stored), model)
        flags = read_non_digits(str(store.path), records.version(), file_hash(stored), model)
    except MyDigitsError as error:
        st.error(f"The class's drawings are unavailable: {escape_markdown(error)}", icon=":material/error:")
        return
    everything, images = class_reads.reads, class_reads.images
    students = (everything["collection"] != CLASS_SET).to_numpy()  # the class set's drawings are copies
    reads, student_images = everything[students].reset_index(drop=True), images[students]
    st.caption(f"Read by **{escape_markdown(stored.name)}** at {datetime.now(timezone.utc):%H:%M:%S} UTC. "
               f"The class set's drawings are copies of students' drawings: counted in its own row only.")
    show_overview(reads, class_reads.total)
    show_tables(everything, reads)

    st.subheader("Confusion matrix of the class's drawings")
    st.caption("Rows: the digit the student meant. Columns: what the model read. Click a cell (or pick one) to "
               "see its drawings.")
    show_confusion(reads, student_images)

    st.subheader("What the model gets most wrong")
    show_most_wrong(reads, student_images)

    st.subheader("Not a digit")
    show_non_digits(reads, student_images, flags)

    st.subheader("Activity")
    show_activity(reads)

    st.subheader("Export")
    show_exports(everything, images)

    st.subheader("Class model")
    show_class_model(int((everything["collection"] == CLASS_SET).sum()))

    st.subheader("Challenge leaderboard")
    show_leaderboard(records)


st.title("Class view")
if not is_teacher():
    st.warning("The class view is for the teacher: it shows every student's drawings. " + TEACHER_ONLY_CAPTION,
               icon=":material/lock:")
    st.stop()
if configured_password() is None:
    st.caption("No teacher password is set on this server, so anyone can open this view. Set one "
               "(MNIST_CNN_TEACHER_PASSWORD, or teacher_password in .streamlit/secrets.toml) to keep it for you.")
stored, model = require_model()
controls = st.columns([1, 1, 3], vertical_alignment="center")
auto = controls[0].toggle(f"Refresh every {REFRESH_SECONDS} s", value=True, key=AUTO_REFRESH_KEY,
                          help="Read the class's new drawings during a lesson.")
controls[1].button("Refresh now", icon=":material/refresh:", key="class_view_refresh")
st.fragment(show_class, run_every=REFRESH_SECONDS if auto else None)(stored, model)
