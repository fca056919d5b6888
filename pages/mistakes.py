"""Test-set explorer: every test digit the active model gets wrong, its confusion matrix, a random sample,
and which digits one model gets right that another gets wrong."""

import streamlit as st

from ui.mistakes.explorer import SELECTED_KEY, TAB_KEY, TABS, show_mistakes_tab
from ui.mistakes.explorer_views import show_compare_tab, show_confusion_tab, show_sample_tab
from ui.state import active_evaluation, active_stored_model, restore_widget, save_widget, test_set_or_message


def show_totals(evaluation) -> None:
    """Overall accuracy, the number of errors, and the mean loss, as metrics."""
    columns = st.columns(4)
    columns[0].metric("Test accuracy", f"{evaluation.accuracy:.2%}")
    columns[1].metric("Errors", evaluation.error_count, help="Test digits the model classifies wrongly.")
    columns[2].metric("Test digits", f"{len(evaluation.labels):,}")
    columns[3].metric("Mean loss", f"{evaluation.mean_loss:.4f}", help="Mean cross-entropy per test digit.")


st.title("Test-set explorer")
evaluation = active_evaluation()
if evaluation is None:
    st.stop()
x_test, _ = test_set_or_message()
st.caption(f"How the model **{active_stored_model().name}** does on the {len(x_test):,} MNIST test digits, which it "
           "never saw in training. Where a network fails teaches as much as where it succeeds.")
show_totals(evaluation)
st.session_state.setdefault(SELECTED_KEY, None)
restore_widget(TAB_KEY, TABS[0])
tabs = st.tabs(TABS, key=TAB_KEY, on_change=save_widget, args=(TAB_KEY,))
views = [lambda: show_mistakes_tab(evaluation, x_test), lambda: show_confusion_tab(evaluation),
         lambda: show_sample_tab(evaluation, x_test), lambda: show_compare_tab(x_test)]  # in the order of TABS
for tab, show_view in zip(tabs, views, strict=True):
    if tab.open:  # only the open tab is computed
        with tab:
            show_view()
