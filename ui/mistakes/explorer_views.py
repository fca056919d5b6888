"""The Test-set explorer's other tabs: the clickable confusion matrix, a random sample, and two models compared."""

import numpy as np
import streamlit as st

from mnist_cnn.evaluation.gallery import draw_sample_indices
from mnist_cnn.evaluation.metrics import compare_evaluations, compute_confusion_matrix, order_indices
from mnist_cnn.lessons.options import option_key
from mnist_cnn.plots.explorer import (CELL_SELECTION, WRONG_COLOUR, make_class_metrics_frame, make_confusion_chart,
                                      make_digit_grid_figure, make_sample_grid_figure)
from mnist_cnn.store.model_store import ModelStoreError
from ui.display import show_figure
from ui.mistakes.explorer import ANY_DIGIT, PREDICTED_KEY, TRUE_KEY, choose_cell
from ui.state import (active_stored_model, evaluate_model_cached, file_hash, get_store, read_saved_widget,
                      restore_widget, save_widget, set_widget)

# Digits in the sample grid and in each comparison gallery.
SAMPLE_SIZE = 32
COMPARISON_GALLERY_SIZE = 24
# Session keys of these tabs' controls.
SEED_KEY = "sample_grid_seed"
FIRST_MODEL_KEY, SECOND_MODEL_KEY = option_key("mistakes", "model_a"), option_key("mistakes", "model_b")
# The per-digit table's columns as the page shows them.
METRICS_COLUMNS = {
    "digit": st.column_config.NumberColumn("Digit", width=50),
    "test images": st.column_config.NumberColumn("Images", format="localized", width=70,
                                                 help="Test images of this digit."),
    "errors": st.column_config.NumberColumn("Errors", width=60),
    "accuracy": st.column_config.NumberColumn(
        "Accuracy (recall)", format="%.1f%%", width=120,
        help="Share of this digit's test images the model classifies right (its recall)."),
    "precision": st.column_config.NumberColumn(
        "Precision", format="%.1f%%", width=80, help="Share of the model's answers of this digit that are right."),
    "most often mistaken for": st.column_config.TextColumn(
        "Often taken for", help="The wrong answer the model gives most often for this digit (how often)."),
}


def show_confusion_tab(evaluation) -> None:
    """The clickable confusion matrix beside per-digit accuracy and precision."""
    confusion = compute_confusion_matrix(evaluation.labels, evaluation.predictions)
    true_digit, predicted_digit = read_saved_widget(TRUE_KEY, ANY_DIGIT), read_saved_widget(PREDICTED_KEY, ANY_DIGIT)
    selected = (true_digit, predicted_digit) if ANY_DIGIT not in (true_digit, predicted_digit) else None
    chart_column, table_column = st.columns([0.85, 1], gap="medium")
    with chart_column:
        st.caption("Rows: the true digit. Columns: what the model said. The blue diagonal counts right answers; "
                   "orange cells count mistakes (darker = more). **Click a cell** to see those digits.")
        # A new key whenever the filter changes, so clicking any cell (even the last one) counts as a choice.
        chart_key = f"confusion_chart_{true_digit}_{predicted_digit}"
        st.altair_chart(make_confusion_chart(confusion, selected, size=400), key=chart_key, width="content",
                        alt="Confusion matrix: true digit by predicted digit, counts written in; click a cell for its "
                            "digits",
                        on_select=lambda: choose_cell(chart_key), selection_mode=CELL_SELECTION)
    with table_column:
        st.markdown("**Per digit**")
        table = make_class_metrics_frame(confusion)
        table[["accuracy", "precision"]] *= 100  # fractions to percentages
        st.dataframe(table, hide_index=True, width="stretch", height="content", column_config=METRICS_COLUMNS)


def redraw_sample() -> None:
    """Draw a new random seed (never the current one) for the sample grid."""
    current = st.session_state.get(SEED_KEY)
    seed = current
    while seed == current:
        seed = int(np.random.default_rng().integers(1, 1_000_000))
    st.session_state[SEED_KEY] = seed


def show_sample_tab(evaluation, x_test) -> None:
    """Random test digits titled 'true → predicted', right ones blue and wrong ones vermilion."""
    st.session_state.setdefault(SEED_KEY, 0)
    seed = st.session_state[SEED_KEY]
    indices = draw_sample_indices(len(x_test), SAMPLE_SIZE, seed)
    wrong = int(np.sum(evaluation.predictions[indices] != evaluation.labels[indices]))
    columns = st.columns([1.3, 4], vertical_alignment="center")
    columns[0].button("New random sample", icon=":material/casino:", on_click=redraw_sample)
    columns[1].markdown(f"{len(indices)} random test digits (seed {seed}): **{len(indices) - wrong} right** "
                        f"(blue ✓), **{wrong} wrong** (vermilion ✗, framed). Titles read *true → predicted*.")
    show_figure(make_sample_grid_figure(x_test[indices], evaluation.labels[indices],
                                        evaluation.predictions[indices], columns=8),
                alt="Test digits, each titled with its true digit and the prediction (wrong ones framed)")


def show_comparison_gallery(x_test, evaluation, indices: np.ndarray, loser: str) -> None:
    """Digits the loser model gets wrong, titled 'true → what the loser said', its most confident first."""
    if len(indices) == 0:
        st.caption("None.")
        return
    shown = order_indices(evaluation, indices)[:COMPARISON_GALLERY_SIZE]
    titles = [f"{evaluation.labels[i]} → {evaluation.predictions[i]}" for i in shown]
    show_figure(make_digit_grid_figure(x_test[shown], titles, [WRONG_COLOUR] * len(shown), columns=6),
                alt="Test digits one model gets wrong, titled true → what it said: " + ", ".join(titles))
    more = f"Showing the {len(shown)} where {loser} was most confident. " if len(indices) > len(shown) else ""
    st.caption(f"{more}Titles read *true → what {loser} said*.")


def pick_two_models(names: list[str]) -> tuple[str, str]:
    """Two model pickers, kept across tabs and pages; returns the two names chosen."""
    active = active_stored_model()
    restore_widget(FIRST_MODEL_KEY, active.name if active is not None else names[0])
    restore_widget(SECOND_MODEL_KEY, next(name for name in names if name != st.session_state[FIRST_MODEL_KEY]))
    for key in (FIRST_MODEL_KEY, SECOND_MODEL_KEY):
        if st.session_state[key] not in names:  # deleted since
            set_widget(key, names[0] if key == FIRST_MODEL_KEY else names[1])
    columns = st.columns(2)
    first = columns[0].selectbox("Model A", names, key=FIRST_MODEL_KEY, on_change=save_widget,
                                 args=(FIRST_MODEL_KEY,))
    second = columns[1].selectbox("Model B", names, key=SECOND_MODEL_KEY, on_change=save_widget,
                                  args=(SECOND_MODEL_KEY,))
    return first, second


def show_compare_tab(x_test) -> None:
    """Pick two stored models; show the digits one gets right and the other wrong, with counts."""
    models = {stored.name: stored for stored in get_store().list_models()}
    if len(models) < 2:
        st.info("Only one model is stored. Train another from the sidebar's **Retrain** panel, then come back "
                "to see which test digits each model gets right that the other gets wrong.")
        return
    first, second = pick_two_models(list(models))
    if first == second:
        st.warning("Pick two different models to compare.")
        return
    try:
        evaluations = [evaluate_model_cached(str(models[name].model_path), file_hash(models[name]))
                       for name in (first, second)]
    except ModelStoreError as error:
        st.error(f"One of the models could not be loaded: {error}")
        return
    comparison = compare_evaluations(*evaluations)
    counts = st.columns(5)
    counts[0].metric("A accuracy", f"{evaluations[0].accuracy:.2%}")
    counts[1].metric("B accuracy", f"{evaluations[1].accuracy:.2%}")
    counts[2].metric("A right, B wrong", len(comparison["only_first_right"]))
    counts[3].metric("B right, A wrong", len(comparison["only_second_right"]))
    counts[4].metric("Both wrong", len(comparison["both_wrong"]))
    galleries = st.columns(2, gap="large")
    with galleries[0]:
        st.markdown(f"**A ({first}) right, B wrong**")
        show_comparison_gallery(x_test, evaluations[1], comparison["only_first_right"], "B")
    with galleries[1]:
        st.markdown(f"**B ({second}) right, A wrong**")
        show_comparison_gallery(x_test, evaluations[0], comparison["only_second_right"], "A")
