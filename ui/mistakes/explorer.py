"""The Test-set explorer's Mistakes tab: filters, a paged gallery of mistakes and the chosen digit, with their state."""

from pathlib import Path

import numpy as np
import streamlit as st

from mnist_cnn.evaluation.gallery import count_pages, select_page
from mnist_cnn.evaluation.metrics import MISTAKE_ORDERS, find_mistakes
from mnist_cnn.inputs.images import enlarge_pixels
from mnist_cnn.lessons.options import option_key
from mnist_cnn.plots.explorer import CELL_SELECTION
from mnist_cnn.plots.probabilities import make_probability_bars
from ui.state import restore_widget, save_widget, set_widget

# Layout: mistakes per gallery page and cards per row.
PAGE_SIZE = 20
GALLERY_COLUMNS = 4
TABS = ["Mistakes", "Confusion matrix", "Sample grid", "Compare models"]
FEATURE_MAPS_PAGE = Path(__file__).resolve().parents[2] / "pages" / "feature_maps.py"
# The orders of the mistakes as the order control words them.
ORDER_LABELS = {"most_confident": "Most confident first", "least_confident": "Least confident first",
                "test_index": "Test-set order"}

# Session keys of the explorer's controls.
TAB_KEY = option_key("mistakes", "tab")
TRUE_KEY, PREDICTED_KEY, ORDER_KEY = (option_key("mistakes", name) for name in ("true", "predicted", "order"))
PAGE_KEY, SELECTED_KEY = option_key("mistakes", "list_page"), option_key("mistakes", "selected")
ANY_DIGIT = -1  # the filter choice "any digit"
DIGIT_CHOICES = [ANY_DIGIT, *range(10)]


def change_filter(key: str) -> None:
    """A filter changed: remember it and go back to the first page of mistakes."""
    save_widget(key)
    set_widget(PAGE_KEY, 1)
    st.session_state[SELECTED_KEY] = None


def set_filters(true_digit: int, predicted_digit: int) -> None:
    """Show the mistakes of one (true, predicted) pair (ANY_DIGIT for either), from the first page."""
    set_widget(TRUE_KEY, true_digit)
    set_widget(PREDICTED_KEY, predicted_digit)
    set_widget(PAGE_KEY, 1)
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
    set_widget(TAB_KEY, TABS[0])


def describe_filter(true_digit: int | None, predicted_digit: int | None) -> str:
    """'true 4 → predicted 9' style text for the active filters ('' for none)."""
    parts = [f"true {true_digit}" if true_digit is not None else "",
             f"predicted {predicted_digit}" if predicted_digit is not None else ""]
    return " → ".join(part for part in parts if part)


def format_confidence(confidence: float) -> str:
    """A probability as a percentage with one decimal, rounded down so that 99.96% never reads 100%."""
    return f"{np.floor(confidence * 1000) / 1000:.1%}"


def format_digit_choice(digit: int) -> str:
    """'any' for the no-filter choice, else the digit."""
    return "any" if digit == ANY_DIGIT else str(digit)


def show_filters() -> tuple[int | None, int | None, str]:
    """The true-digit, predicted-digit and order controls; returns (true, predicted or None for any, order)."""
    for key, default in [(TRUE_KEY, ANY_DIGIT), (PREDICTED_KEY, ANY_DIGIT), (ORDER_KEY, "most_confident")]:
        restore_widget(key, default)
    columns = st.columns([1, 1, 1.4, 1], vertical_alignment="bottom")
    true_digit = columns[0].selectbox("True digit", DIGIT_CHOICES, key=TRUE_KEY, on_change=change_filter,
                                      args=(TRUE_KEY,), format_func=format_digit_choice)
    predicted_digit = columns[1].selectbox("Predicted digit", DIGIT_CHOICES, key=PREDICTED_KEY,
                                           on_change=change_filter, args=(PREDICTED_KEY,),
                                           format_func=format_digit_choice)
    order = columns[2].selectbox("Order", list(MISTAKE_ORDERS), key=ORDER_KEY, format_func=ORDER_LABELS.get,
                                 on_change=change_filter, args=(ORDER_KEY,))
    columns[3].button("Clear filters", icon=":material/filter_alt_off:", on_click=set_filters,
                      args=(ANY_DIGIT, ANY_DIGIT), disabled=true_digit == predicted_digit == ANY_DIGIT)
    return (None if true_digit == ANY_DIGIT else true_digit,
            None if predicted_digit == ANY_DIGIT else predicted_digit, order)


def show_paging(pages: int) -> int:
    """Previous / page number / next controls; returns the 1-based page to show."""
    restore_widget(PAGE_KEY, 1)
    if not 1 <= st.session_state[PAGE_KEY] <= pages:  # fewer pages than before (other filter or model)
        set_widget(PAGE_KEY, min(max(1, st.session_state[PAGE_KEY]), pages))
    page = st.session_state[PAGE_KEY]
    columns = st.columns([0.55, 1.2, 0.55, 2.5], vertical_alignment="bottom")
    columns[0].button(":material/chevron_left:", help="Previous page", disabled=page <= 1, width="stretch",
                      on_click=set_widget, args=(PAGE_KEY, page - 1), key="mistakes_previous_page")
    page = columns[1].number_input("Page", 1, pages, step=1, key=PAGE_KEY, on_change=save_widget, args=(PAGE_KEY,))
    columns[2].button(":material/chevron_right:", help="Next page", disabled=page >= pages, width="stretch",
                      on_click=set_widget, args=(PAGE_KEY, page + 1), key="mistakes_next_page")
    columns[3].markdown(f"page **{page}** of **{pages}**")
    return page


def show_gallery(evaluation, x_test, indices: np.ndarray, selected: int) -> None:
    """One card per mistake: the digit, 'true → predicted · confidence', and a Select button."""
    for row_start in range(0, len(indices), GALLERY_COLUMNS):
        columns = st.columns(GALLERY_COLUMNS)
        for column, index in zip(columns, indices[row_start:row_start + GALLERY_COLUMNS]):
            index = int(index)
            with column.container(border=True):
                st.image(enlarge_pixels(x_test[index], 3), width=84, alt=f"Test digit #{index}")
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
    st.image(enlarge_pixels(x_test[index], 8), width=224, alt=f"Test digit #{index}, enlarged")
    verdict = "right" if true_digit == predicted_digit else "wrong"
    st.markdown(f"True digit **{true_digit}**; the model says **{predicted_digit}** "
                f"({format_confidence(probabilities[predicted_digit])}, {verdict}) and gives the true digit "
                f"{format_confidence(probabilities[true_digit])}. Loss {evaluation.losses[index]:.2f}.")
    st.html(make_probability_bars(probabilities, true_digit=true_digit, height=140))
    st.caption("Orange: the prediction. Teal, its digit underlined: the true digit.")
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
                    f"{ORDER_LABELS[order].lower()}.")
        page = show_paging(count_pages(len(mistakes), PAGE_SIZE))
        shown = select_page(mistakes, page, PAGE_SIZE)
        selected = st.session_state.get(SELECTED_KEY)
        if selected is None or not 0 <= selected < len(evaluation.labels):
            selected = int(shown[0])
        show_gallery(evaluation, x_test, shown, selected)
    with detail_column:
        show_selected_digit(evaluation, x_test, selected)
