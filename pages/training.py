"""Training page: the running job live, learning curves of any stored model, a comparison table, and deletion."""

import streamlit as st

from mnist_cnn import config
from mnist_cnn.plots.training import make_comparison_chart, make_history_chart, make_models_table
from mnist_cnn.safety.text import as_code_span
from mnist_cnn.store.restore import describe_empty_store
from mnist_cnn.training.lineage import describe_stages, list_stage_starts
from ui.job_queue import show_job_queue
from ui.retrain import show_job_status
from ui.state import get_store
from ui.teacher import TEACHER_ONLY_CAPTION, is_teacher
from ui.training.model_exchange import show_model_exchange
from ui.training.replay import show_replay


def delete_model(name: str) -> None:
    """Button callback: delete a trained model; a session using it falls back to the default."""
    if not is_teacher():
        st.session_state["training_notice"] = ("error", TEACHER_ONLY_CAPTION)
        return
    try:
        get_store().delete(name)
    except (ValueError, OSError) as error:
        st.session_state["training_notice"] = ("error", f"Could not delete {as_code_span(name)}: {error}")
        return
    st.session_state["training_notice"] = ("success", f"Deleted {as_code_span(name)}.")
    st.session_state["training_delete_pending"] = None
    if st.session_state.get("active_model_name") == name:
        st.session_state["active_model_name"] = config.DEFAULT_MODEL_NAME


def ask_to_delete(name: str | None) -> None:
    """Button callback: ask for confirmation before deleting (None cancels the question)."""
    st.session_state["training_delete_pending"] = name
    st.session_state["training_notice"] = None


st.title("Training")
st.caption("Watch a network learn, compare the models in the store, and look at how each one learned. "
           "Start a training run from the **Retrain** panel in the sidebar.")

st.subheader("Current training job")
if not show_job_status(large=True):
    st.caption("No training job is running. Open **Retrain** in the sidebar to start one.")
show_job_queue()

models, problems = get_store().scan()
for problem in problems:
    st.warning(f"Skipped {as_code_span(problem.name)}: {problem.message}")
if not models:
    st.error(describe_empty_store(get_store().directory))
    st.stop()

st.subheader("Stored models")
table = make_models_table(models)
st.dataframe(table, hide_index=True, column_config={
    "parameters": st.column_config.NumberColumn(format="%d"),
    "training images": st.column_config.NumberColumn(format="%d"),
    "training minutes": st.column_config.NumberColumn(format="%.1f"),
    "test accuracy": st.column_config.NumberColumn(format="percent"),
})
st.altair_chart(make_comparison_chart(table), width="stretch",
                alt="Chart comparing the stored models' test accuracy (the table above lists them)")

st.subheader("Learning curves")
names = [stored.name for stored in models]
by_name = {stored.name: stored for stored in models}
active = st.session_state.get("active_model_name")
chosen = st.selectbox("Model", names, index=names.index(active) if active in names else 0,
                      key="training_history_model")
history = by_name[chosen].metadata.get("history") or {}
if history.get("loss"):
    left, right = st.columns(2)
    starts = list_stage_starts(by_name[chosen].metadata)
    left.altair_chart(make_history_chart(history, "loss", stage_starts=starts), width="stretch",
                      alt=f"Line chart of {chosen}'s training and validation loss per epoch")
    right.altair_chart(make_history_chart(history, "accuracy", stage_starts=starts), width="stretch",
                       alt=f"Line chart of {chosen}'s training and validation accuracy per epoch")
    if any("non-digits" in label for _, label in starts):
        st.caption("Where a stage adds non-digit drawings, its training curves count them too: they are taught to "
                   "get even probabilities, which no argmax can call right, so training accuracy drops there. "
                   "Test accuracy is measured on MNIST digits only (the table above).")
    if not any(value is not None for value in history.get("val_loss", [])):
        st.caption("This model was trained without a validation split: only training curves.")
    stages = describe_stages(by_name[chosen].metadata)
    if len(stages) > 1:
        st.caption(f"The curves cover its whole lineage, {len(stages)} stages: " + "; ".join(stages) + ".")
else:
    st.info(f"{chosen} has no recorded training history.")

st.subheader("Replay of learning")
show_replay(by_name[chosen], history)

show_model_exchange(models)

st.subheader("Delete a trained model")
unreadable = [problem.name for problem in problems if problem.name != config.DEFAULT_MODEL_NAME]
trained = [name for name in names if not by_name[name].is_default] + unreadable
notice = st.session_state.get("training_notice")
if notice:
    (st.success if notice[0] == "success" else st.error)(notice[1])
if not trained:
    st.caption("Only the bundled default model is stored; it cannot be deleted.")
elif not is_teacher():
    st.caption(TEACHER_ONLY_CAPTION)
else:
    victim = st.selectbox("Trained model", trained, key="training_delete_choice",
                          format_func=lambda name: f"{name} (unreadable)" if name in unreadable else name,
                          help="Unreadable model files are listed too. The bundled default model is never deleted, "
                               "so it is not listed.")
    if st.session_state.get("training_delete_pending") == victim:
        st.warning(f"Delete {as_code_span(victim)} for everyone on this server? This cannot be undone.")
        yes, no = st.columns(2)
        yes.button("Yes, delete it", type="primary", on_click=delete_model, args=(victim,),
                   icon=":material/delete:")
        no.button("Keep it", on_click=ask_to_delete, args=(None,))
    else:
        st.button("Delete…", on_click=ask_to_delete, args=(victim,), icon=":material/delete:")
