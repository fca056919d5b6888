"""Test-set explorer: every test digit the active model gets wrong, its confusion matrix, a random sample,
and which digits one model gets right that another gets wrong."""

from pathlib import Path

import numpy as np
import streamlit as st

from mnist_cnn.charts import make_probability_chart
from mnist_cnn.evaluation import (MISTAKE_ORDERS, compare_evaluations, compute_confusion_matrix, count_pages,
                                  draw_sample_indices, find_mistakes, order_indices, select_page)
from mnist_cnn.explorer_charts import CELL_SELECTION, make_class_metrics_frame, make_confusion_chart
from mnist_cnn.explorer_figures import WRONG_COLOUR, make_digit_grid_figure, make_sample_grid_figure
from mnist_cnn.images import enlarge_pixels
from mnist_cnn.store import ModelStoreError
from ui.display import show_figure
from ui.state import (active_evaluation, active_stored_model, evaluate_model_cached, file_hash, get_store,
                      test_set_or_message)

# Layout: mistakes per gallery page, cards per row, digits in the sample grid and in each comparison gallery.
PAGE_SIZE = 20
GALLERY_COLUMNS = 4
SAMPLE_SIZE = 32
COMPARISON_GALLERY_SIZE = 24
TABS = ["Mistakes", "Confusion matrix", "Sample grid", "Compare models"]
FEATURE_MAPS_PAGE = Path(__file__).parent / "feature_maps.py"

# Session keys of this page's controls.
TAB_KEY = "explorer_tab"
TRUE_KEY, PREDICTED_KEY, ORDER_KEY = "mistakes_true_digit", "mistakes_predicted_digit", "mistakes_order"
PAGE_KEY, SELECTED_KEY = "mistakes_page", "mistakes_selected_index"
SEED_KEY = "sample_grid_seed"
FIRST_MODEL_KEY, SECOND_MODEL_KEY = "compare_first_model", "compare_second_model"
ANY_DIGIT = -1  # the filter choice "any digit"
DIGIT_CHOICES = [ANY_DIGIT, *range(10)]


def remember(key: str, default) -> None:
    """Give a widget key its last value, even after the widget was off-screen (another tab or page)."""
    saved = f"_{key}_saved"
    st.session_state.setdefault(saved, default)
    st.session_state.setdefault(key, st.session_state[saved])


def save(key: str) -> None:
    """Keep a widget's value in a key Streamlit does not clear when the widget is not drawn."""
    st.session_state[f"_{key}_saved"] = st.session_state[key]


def remembered(key: str, default=None):
    """A control's last value, whether or not it is drawn in this run."""
    return st.session_state.get(f"_{key}_saved", default)


def set_value(key: str, value) -> None:
    """Set a control's value (from a callback, before the control is drawn) and remember it."""
    st.session_state[key] = value
    save(key)


def change_filter(key: str) -> None:
    """A filter changed: remember it and go back to the first page of mistakes."""
    save(key)
    set_value(PAGE_KEY, 1)
    st.session_state[SELECTED_KEY] = None


def set_filters(true_digit: int, predicted_digit: int) -> None:
    """Show the mistakes of one (true, predicted) pair (ANY_DIGIT for either), from the first page."""
    set_value(TRUE_KEY, true_digit)
    set_value(PREDICTED_KEY, predicted_digit)
    set_value(PAGE_KEY, 1)
    st.session_state[SELECTED_KEY] = None


def select_digit(index: int) -> None:
    """Show this test digit in the detail panel."""
    st.session_state[SELECTED_KEY] = index


def choose_cell(chart_key: str) -> None:
    """A confusion-matrix cell was clicked: filter the gallery to it and show the Mistakes tab."""
    cells = st.session_state[chart_key].selection.get(CELL_SELECTION) or []
    if not cells:
        return
    true_digit, predicted_digit = int(cells[0]["true"]), int(cells[0]["predicted"])
    # A diagonal cell holds right answers: show every mistake on that true digit instead.
    set_filters(true_digit, ANY_DIGIT if true_digit == predicted_digit else predicted_digit)
    set_value(TAB_KEY, TABS[0])


def describe_filter(true_digit: int | None, predicted_digit: int | None) -> str:
    """'true 4 → predicted 9' style text for the active filters ('' for none)."""
    parts = [f"true {true_digit}" if true_digit is not None else "",
             f"predicted {predicted_digit}" if predicted_digit is not None else ""]
    return " → ".join(part for part in parts if part)


def format_confidence(confidence: float) -> str:
    """A probability as a percentage with one decimal, rounded down so that 99.96% never reads 100%."""
    return f"{np.floor(confidence * 1000) / 1000:.1%}"


def show_totals(evaluation) -> None:
    """Overall accuracy, the number of errors, and the mean loss, as metrics."""
    columns = st.columns(4)
    columns[0].metric("Test accuracy", f"{evaluation.accuracy:.2%}")
    columns[1].metric("Errors", evaluation.error_count, help="Test digits the model classifies wrongly.")
    columns[2].metric("Test digits", f"{len(evaluation.labels):,}")
    columns[3].metric("Mean loss", f"{evaluation.mean_loss:.4f}", help="Mean cross-entropy per test digit.")


def format_digit_choice(digit: int) -> str:
    """'any' for the no-filter choice, else the digit."""
    return "any" if digit == ANY_DIGIT else str(digit)


def show_filters() -> tuple[int | None, int | None, str]:
    """The true-digit, predicted-digit and order controls; returns (true, predicted or None for any, order)."""
    for key, default in [(TRUE_KEY, ANY_DIGIT), (PREDICTED_KEY, ANY_DIGIT), (ORDER_KEY, "most_confident")]:
        remember(key, default)
    columns = st.columns([1, 1, 1.4, 1], vertical_alignment="bottom")
    true_digit = columns[0].selectbox("True digit", DIGIT_CHOICES, key=TRUE_KEY, on_change=change_filter,
                                      args=(TRUE_KEY,), format_func=format_digit_choice)
    predicted_digit = columns[1].selectbox("Predicted digit", DIGIT_CHOICES, key=PREDICTED_KEY,
                                           on_change=change_filter, args=(PREDICTED_KEY,),
                                           format_func=format_digit_choice)
    order = columns[2].selectbox("Order", list(MISTAKE_ORDERS), key=ORDER_KEY, format_func=MISTAKE_ORDERS.get,
                                 on_change=change_filter, args=(ORDER_KEY,))
    columns[3].button("Clear filters", icon=":material/filter_alt_off:", on_click=set_filters,
                      args=(ANY_DIGIT, ANY_DIGIT), disabled=true_digit == predicted_digit == ANY_DIGIT)
    return (None if true_digit == ANY_DIGIT else true_digit,
            None if predicted_digit == ANY_DIGIT else predicted_digit, order)


def show_paging(pages: int) -> int:
    """Previous / page number / next controls; returns the 1-based page to show."""
    remember(PAGE_KEY, 1)
    if not 1 <= st.session_state[PAGE_KEY] <= pages:  # fewer pages than before (other filter or model)
        set_value(PAGE_KEY, min(max(1, st.session_state[PAGE_KEY]), pages))
    page = st.session_state[PAGE_KEY]
    columns = st.columns([0.55, 1.2, 0.55, 2.5], vertical_alignment="bottom")
    columns[0].button(":material/chevron_left:", help="Previous page", disabled=page <= 1, width="stretch",
                      on_click=set_value, args=(PAGE_KEY, page - 1), key="mistakes_previous_page")
    page = columns[1].number_input("Page", 1, pages, step=1, key=PAGE_KEY, on_change=save, args=(PAGE_KEY,))
    columns[2].button(":material/chevron_right:", help="Next page", disabled=page >= pages, width="stretch",
                      on_click=set_value, args=(PAGE_KEY, page + 1), key="mistakes_next_page")
    columns[3].markdown(f"page **{page}** of **{pages}**")
    return page


def show_gallery(evaluation, x_test, indices: np.ndarray, selected: int) -> None:
    """One card per mistake: the digit, 'true → predicted · confidence', and a Select button."""
    for row_start in range(0, len(indices), GALLERY_COLUMNS):
        columns = st.columns(GALLERY_COLUMNS)
        for column, index in zip(columns, indices[row_start:row_start + GALLERY_COLUMNS]):
            index = int(index)
            with column.container(border=True):
                st.image(enlarge_pixels(x_test[index], 3), width=84)
                true_digit, predicted_digit = evaluation.labels[index], evaluation.predictions[index]
                confidence = format_confidence(evaluation.confidences[index])
                st.markdown(f":small[true **{true_digit}** → predicted **{predicted_digit}**  \n{confidence} sure]")
                is_selected = index == selected
                st.button("Selected" if is_selected else "Select", key=f"mistakes_select_{index}",
                          type="primary" if is_selected else "secondary", width="stretch",
                          on_click=select_digit, args=(index,))


def show_selected_digit(evaluation, x_test, index: int) -> None:
    """The chosen digit large, what the model said about all ten classes, and a way into feature maps."""
    true_digit, predicted_digit = int(evaluation.labels[index]), int(evaluation.predictions[index])
    probabilities = evaluation.probabilities[index]
    st.subheader(f"Test digit #{index}")
    st.image(enlarge_pixels(x_test[index], 8), width=224)
    verdict = "right" if true_digit == predicted_digit else "wrong"
    st.markdown(f"True digit **{true_digit}**; the model says **{predicted_digit}** "
                f"({format_confidence(probabilities[predicted_digit])}, {verdict}) and gives the true digit "
                f"{format_confidence(probabilities[true_digit])}. Loss {evaluation.losses[index]:.2f}.")
    st.altair_chart(make_probability_chart(probabilities, true_digit=true_digit, height=180), width="stretch")
    st.caption("Red: the prediction. Teal: the true digit.")
    if not FEATURE_MAPS_PAGE.exists():
        st.button("Open in feature maps", icon=":material/layers:", disabled=True, width="stretch",
                  help="The feature-map page is not installed in this copy of the app.")
    elif st.button("Open in feature maps", icon=":material/layers:", width="stretch",
                   help="See what each convolution layer finds in this digit."):
        st.session_state["feature_map_index"] = index
        st.switch_page("pages/feature_maps.py")


def show_mistakes_tab(evaluation, x_test) -> None:
    """Filters, a paged gallery of every mistake (most confident first), and the selected mistake."""
    true_digit, predicted_digit, order = show_filters()
    mistakes = find_mistakes(evaluation, true_digit, predicted_digit, order)
    chosen = describe_filter(true_digit, predicted_digit)
    if len(mistakes) == 0:
        st.success(f"No mistakes{' for ' + chosen if chosen else ''}: the model gets all of these right.")
        return
    gallery_column, detail_column = st.columns([3, 1.15], gap="large")
    with gallery_column:
        noun = "mistake" if len(mistakes) == 1 else "mistakes"
        st.markdown(f"**{len(mistakes):,} {noun}**{' (' + chosen + ')' if chosen else ''}, "
                    f"{MISTAKE_ORDERS[order].lower()}.")
        page = show_paging(count_pages(len(mistakes), PAGE_SIZE))
        shown = select_page(mistakes, page, PAGE_SIZE)
        selected = st.session_state.get(SELECTED_KEY)
        if selected is None or not 0 <= selected < len(evaluation.labels):
            selected = int(shown[0])
        show_gallery(evaluation, x_test, shown, selected)
    with detail_column:
        show_selected_digit(evaluation, x_test, selected)


def show_confusion_tab(evaluation) -> None:
    """The clickable confusion matrix beside per-digit accuracy and precision."""
    confusion = compute_confusion_matrix(evaluation.labels, evaluation.predictions)
    true_digit, predicted_digit = remembered(TRUE_KEY, ANY_DIGIT), remembered(PREDICTED_KEY, ANY_DIGIT)
    selected = (true_digit, predicted_digit) if ANY_DIGIT not in (true_digit, predicted_digit) else None
    chart_column, table_column = st.columns([0.85, 1], gap="medium")
    with chart_column:
        st.caption("Rows: the true digit. Columns: what the model said. The green diagonal counts right answers; "
                   "red cells count mistakes (darker = more). **Click a cell** to see those digits.")
        # A new key whenever the filter changes, so clicking any cell (even the last one) counts as a choice.
        chart_key = f"confusion_chart_{true_digit}_{predicted_digit}"
        st.altair_chart(make_confusion_chart(confusion, selected, size=400), key=chart_key, width="content",
                        on_select=lambda: choose_cell(chart_key), selection_mode=CELL_SELECTION)
    with table_column:
        st.markdown("**Per digit**")
        table = make_class_metrics_frame(confusion)
        table[["accuracy", "precision"]] *= 100  # fractions to percentages
        st.dataframe(table, hide_index=True, width="stretch", height="content", column_config={
            "digit": st.column_config.NumberColumn("Digit", width=50),
            "test images": st.column_config.NumberColumn("Images", format="localized", width=70,
                                                         help="Test images of this digit."),
            "errors": st.column_config.NumberColumn("Errors", width=60),
            "accuracy": st.column_config.NumberColumn(
                "Accuracy (recall)", format="%.1f%%", width=120,
                help="Share of this digit's test images the model classifies right (its recall)."),
            "precision": st.column_config.NumberColumn(
                "Precision", format="%.1f%%", width=80,
                help="Share of the model's answers of this digit that are right."),
            "most often mistaken for": st.column_config.TextColumn(
                "Often taken for", help="The wrong answer the model gives most often for this digit (how often)."),
        })


def redraw_sample() -> None:
    """Draw a new random seed (never the current one) for the sample grid."""
    current = st.session_state.get(SEED_KEY)
    seed = current
    while seed == current:
        seed = int(np.random.default_rng().integers(1, 1_000_000))
    st.session_state[SEED_KEY] = seed


def show_sample_tab(evaluation, x_test) -> None:
    """Random test digits titled 'true → predicted', right ones green and wrong ones red."""
    st.session_state.setdefault(SEED_KEY, 0)
    seed = st.session_state[SEED_KEY]
    indices = draw_sample_indices(len(x_test), SAMPLE_SIZE, seed)
    wrong = int(np.sum(evaluation.predictions[indices] != evaluation.labels[indices]))
    columns = st.columns([1.3, 4], vertical_alignment="center")
    columns[0].button("New random sample", icon=":material/casino:", on_click=redraw_sample)
    columns[1].markdown(f"{len(indices)} random test digits (seed {seed}): **{len(indices) - wrong} right** "
                        f"(green ✓), **{wrong} wrong** (red ✗, framed). Titles read *true → predicted*.")
    show_figure(make_sample_grid_figure(x_test[indices], evaluation.labels[indices],
                                        evaluation.predictions[indices], columns=8))


def show_comparison_gallery(x_test, evaluation, indices: np.ndarray, loser: str) -> None:
    """Digits the loser model gets wrong, titled 'true → what the loser said', its most confident first."""
    if len(indices) == 0:
        st.caption("None.")
        return
    shown = order_indices(evaluation, indices)[:COMPARISON_GALLERY_SIZE]
    titles = [f"{evaluation.labels[i]} → {evaluation.predictions[i]}" for i in shown]
    show_figure(make_digit_grid_figure(x_test[shown], titles, [WRONG_COLOUR] * len(shown), columns=6))
    more = f"Showing the {len(shown)} where {loser} was most confident. " if len(indices) > len(shown) else ""
    st.caption(f"{more}Titles read *true → what {loser} said*.")


def show_compare_tab(x_test) -> None:
    """Pick two stored models; show the digits one gets right and the other wrong, with counts."""
    models = {stored.name: stored for stored in get_store().list_models()}
    if len(models) < 2:
        st.info("Only one model is stored. Train another from the sidebar's **Retrain** panel, then come back "
                "to see which test digits each model gets right that the other gets wrong.")
        return
    names = list(models)
    active = active_stored_model()
    remember(FIRST_MODEL_KEY, active.name if active is not None else names[0])
    remember(SECOND_MODEL_KEY, next(name for name in names if name != st.session_state[FIRST_MODEL_KEY]))
    for key in (FIRST_MODEL_KEY, SECOND_MODEL_KEY):
        if st.session_state[key] not in models:  # deleted since
            set_value(key, names[0] if key == FIRST_MODEL_KEY else names[1])
    columns = st.columns(2)
    first = columns[0].selectbox("Model A", names, key=FIRST_MODEL_KEY, on_change=save, args=(FIRST_MODEL_KEY,))
    second = columns[1].selectbox("Model B", names, key=SECOND_MODEL_KEY, on_change=save,
                                  args=(SECOND_MODEL_KEY,))
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


st.title("Test-set explorer")
evaluation = active_evaluation()
if evaluation is None:
    st.stop()
x_test, _ = test_set_or_message()
st.caption(f"How the model **{active_stored_model().name}** does on the {len(x_test):,} MNIST test digits, which it "
           "never saw in training. Where a network fails teaches as much as where it succeeds.")
show_totals(evaluation)
st.session_state.setdefault(SELECTED_KEY, None)
remember(TAB_KEY, TABS[0])
tabs = st.tabs(TABS, key=TAB_KEY, on_change=save, args=(TAB_KEY,))
if tabs[0].open:
    with tabs[0]:
        show_mistakes_tab(evaluation, x_test)
if tabs[1].open:
    with tabs[1]:
        show_confusion_tab(evaluation)
if tabs[2].open:
    with tabs[2]:
        show_sample_tab(evaluation, x_test)
if tabs[3].open:
    with tabs[3]:
        show_compare_tab(x_test)
