"""The class view's class model (the active model fine-tuned on the class set) and the challenge's leaderboard."""

from dataclasses import asdict

import pandas as pd
import streamlit as st

from mnist_cnn.challenge.scoring import CHALLENGES, make_leaderboard
from mnist_cnn.my_digits.class_set import CLASS_SET
from mnist_cnn.my_digits.collections import MyDigitsError
from mnist_cnn.safety.text import escape_markdown
from mnist_cnn.training.finetune import MIN_USER_DIGITS
from ui.finetune_panel import start_finetune_job
from ui.job_queue import is_session_full
from ui.state import active_stored_model

# Session key of the leaderboard's challenge picker.
CHALLENGE_KEY = "class_view_challenge"


def show_class_model(class_set_count: int) -> None:
    """A button that fine-tunes the active model on MNIST plus the class set, through the Retrain panel's job."""
    active = active_stored_model()
    busy = is_session_full()  # this tab's jobs fill its place in the queue
    st.caption(f"The class set holds **{class_set_count}** drawings the model got wrong, filed by students with the "
               f"right digit (\"It got this wrong\" on the Draw page). Fine-tuning continues the active model"
               f"{f' (**{escape_markdown(active.name)}**)' if active else ''} on them plus MNIST, as the Retrain "
               f"panel's fine-tuning does (MNIST accuracy kept); the new model appears in the sidebar's model "
               f"picker, tied to the collection **{CLASS_SET}**. \"Not a digit\" flags are not used: the network has "
               f"no \"not a digit\" class to learn.")
    if class_set_count < MIN_USER_DIGITS:
        st.caption(f"It needs at least {MIN_USER_DIGITS} drawings in the class set.")
    if st.button("Fine-tune a class model on the class set", icon=":material/school:", key="class_finetune",
                 disabled=busy or active is None or class_set_count < MIN_USER_DIGITS):
        if start_finetune_job(active.name, active.metadata.get("architecture", "keras_example"), CLASS_SET):
            st.rerun(scope="app")  # the sidebar follows the job
        notice = st.session_state.get("retrain_notice")
        if notice:
            st.warning(notice[1])
    if busy:
        st.caption("Your training jobs fill your place in the queue: follow them in the sidebar's Retrain panel.")


def show_leaderboard(records) -> None:
    """The collections ranked by their best attempt at the chosen challenge."""
    key = st.selectbox("Challenge", list(CHALLENGES), key=CHALLENGE_KEY,
                       format_func=lambda value: CHALLENGES[value].describe())
    try:
        board = make_leaderboard(records.list_attempts(key))
    except MyDigitsError as error:  # the database is unavailable: say so, keep the rest of the class view
        st.error(f"The leaderboard cannot be read: {escape_markdown(error)}")
        return
    if not board:
        st.caption("No attempts yet: students try it on the Class challenge page.")
        return
    table = pd.DataFrame([asdict(row) for row in board])
    table.insert(0, "rank", range(1, len(table) + 1))
    table["best_at"] = pd.to_datetime(table["best_at"], utc=True, format="ISO8601")
    st.dataframe(table, hide_index=True, width="stretch", key="class_leaderboard", column_config={
        "best_score": st.column_config.ProgressColumn("best score", min_value=0, max_value=100, format="%d"),
        "best_at": st.column_config.DatetimeColumn("best reached at (UTC)", format="HH:mm:ss")})
