"""The Retrain panel's 'Fine-tune on My digits' block, and the before/after report of a fine-tuning job."""

import pandas as pd
import streamlit as st

from mnist_cnn import config
from mnist_cnn.jobs import JobSpec
from mnist_cnn.jobs.work import make_finetune_settings
from mnist_cnn.my_digits.collections import MyDigitsError
from mnist_cnn.store.model_store import ModelStoreError
from mnist_cnn.training.finetune import MIN_USER_DIGITS
from ui.collections import get_current_collection
from ui.job_start import start_job_or_explain
from ui.my_digits_store import my_digits_store
from ui.state import active_stored_model, get_store

# Fine-tuning settings offered in the panel: gentle defaults that keep MNIST accuracy.
FINETUNE_DEFAULTS = make_finetune_settings()


def start_finetune_job(base_name: str, architecture: str, collection: str | None = None) -> bool:
    """Start a fine-tuning job of base_name on MNIST + a collection (the current one unless given); False (with a
    notice) if it cannot start."""
    settings = make_finetune_settings(architecture=architecture, base_model=base_name,
                                      collection=collection or get_current_collection())
    spec = JobSpec(settings, kind="finetune", options={"user_digits_path": str(my_digits_store().path)})
    return start_job_or_explain(spec, "Cannot fine-tune") is not None


def show_finetune_block(busy: bool) -> None:
    """A button that fine-tunes the active model on MNIST plus the user's labelled drawings."""
    st.markdown("**Fine-tune on My digits**")
    try:
        total = sum(my_digits_store().count_by_label(collection=get_current_collection()).values())
    except MyDigitsError as error:
        st.caption(f"Your drawings are unavailable: {error}")
        return
    active = active_stored_model()
    if active is None:
        return
    trained_part = ("its last convolution layer and read-out" if FINETUNE_DEFAULTS.last_block_only
                    else "all its layers")
    st.caption(f"Continues training the active model (**{active.name}**): {trained_part}, "
               f"for {FINETUNE_DEFAULTS.epochs} epochs at a gentle learning rate "
               f"({FINETUNE_DEFAULTS.learning_rate:g}) on "
               f"{FINETUNE_DEFAULTS.mnist_images:,} MNIST images plus your "
               f"{total} labelled drawing{'s' if total != 1 else ''} (each shown {FINETUNE_DEFAULTS.user_repeats}×). "
               f"{FINETUNE_DEFAULTS.holdout_fraction:.0%} of your drawings are held out to measure the gain. "
               f"MNIST test accuracy may drop by at "
               f"most {100 * config.MAX_MNIST_DROP:.1f} points: if it drops more, the new weights are blended back "
               f"towards the old ones until it does not, and if that fails nothing is kept. The new model is "
               f"tied to the collection **{get_current_collection()}**.")
    if total < MIN_USER_DIGITS:
        st.caption(f"Save at least {MIN_USER_DIGITS} drawings on the Draw page first (you have {total}).")
    if st.button("Fine-tune on my digits", icon=":material/school:", key="finetune_start",
                 disabled=busy or total < MIN_USER_DIGITS, width="stretch"):
        if start_finetune_job(active.name, active.metadata.get("architecture", "keras_example")):
            st.rerun(scope="app")  # the live progress lives outside this fragment


def show_finetune_report(model_name: str) -> None:
    """Before/after accuracies of a fine-tuned model, read from its metadata."""
    try:
        report = get_store().get(model_name).metadata.get("finetune")
    except ModelStoreError:
        return
    if not report:
        return
    rows = {"MNIST test accuracy": "mnist_test_accuracy", "Held-out drawings of yours": "user_holdout_accuracy"}
    table = pd.DataFrame({
        "": list(rows),
        "before": [report["before"].get(key) for key in rows.values()],
        "after": [report["after"].get(key) for key in rows.values()],
    })
    st.dataframe(table, hide_index=True, column_config={
        "before": st.column_config.NumberColumn(format="percent"),
        "after": st.column_config.NumberColumn(format="percent")})
    blend = report.get("blend", 1.0)
    kept = ("all of the fine-tuning's weight change was kept" if blend == 1.0 else
            f"{blend:.0%} of the fine-tuning's weight change was kept, to stay within the MNIST limit (the MNIST "
            f"test set chose that share)")
    st.caption(f"{report['held_out']} of your {report['user_digits']} drawings were held out; {kept}.")
