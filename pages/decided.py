"""How it decided: five attribution methods side by side on one colour scale, and the weight-randomisation check."""

import streamlit as st

from mnist_cnn.inputs.images import enlarge_pixels
from mnist_cnn.lessons.options import page_option
from mnist_cnn.model.inference import classify
from mnist_cnn.plots.attribution import make_attribution_figure
from ui.decided.maps import read_attributions, show_method_lines, show_sanity_verdict
from ui.digit_source import choose_digit
from ui.display import show_figure
from ui.lesson_link import keep_view_in_address_bar
from ui.state import require_model

PREDICTED = -1  # "explain the score of" the digit the network predicts


@st.fragment
def show_maps(stored, model, image, true_label, caption) -> None:
    """The digit and prediction, the class and randomise controls, the maps, their costs and the sanity check."""
    classification = classify(model, image)
    columns = st.columns([1, 1, 2.5], vertical_alignment="center")
    columns[0].image(enlarge_pixels(image, 5), caption=caption, width=140)
    columns[1].metric("Prediction", classification.digit, f"{classification.confidence:.1%} sure",
                      delta_color="off", delta_arrow="off")
    if true_label is not None:
        columns[1].caption(f"True digit: {true_label}")
    explained = columns[2].selectbox(
        "Explain the score of", [PREDICTED, *range(10)], key=page_option("decided", "explain").key,
        format_func=lambda digit: f"the predicted digit ({classification.digit})" if digit == PREDICTED
        else f"digit {digit}")
    randomise = columns[2].toggle("Randomise the weights (sanity check)", key=page_option("decided", "random").key,
                                  help="Show every map again for the same architecture with random weights. A "
                                       "method that explains the network should change; one that barely changes "
                                       "shows the picture more than the network.")
    class_index = classification.digit if explained == PREDICTED else int(explained)
    trained = read_attributions(stored, image, class_index)
    rows = [("trained weights", [(item.method, item.values) for item in trained])]
    randomised = read_attributions(stored, image, class_index, randomised=True) if randomise else None
    if randomised is not None:
        rows.append(("random weights", [(item.method, item.values) for item in randomised]))
    show_figure(make_attribution_figure(image, rows))
    st.caption(f"Why the network gives **{class_index}** its score. Red pixels raised it, blue ones lowered it. "
               "One colour scale for every map: each map is divided by its own largest magnitude (the methods "
               "measure in different units), so compare where the colour is, not how strong. Grey outline: the "
               "digit's ink.")
    show_method_lines(trained)
    if randomised is not None:
        st.subheader("Sanity check: do the maps depend on the weights?", divider="gray")
        show_sanity_verdict(trained, randomised)
    keep_view_in_address_bar()  # a change made in this fragment reaches the URL at once


stored, model = require_model()
st.title("How it decided")
st.caption("Five ways of asking which pixels made the network give its answer, side by side for one digit. They "
           "often disagree: each answers a slightly different question, at a different cost.")
image, true_label, caption = choose_digit("decided")
show_maps(stored, model, image, true_label, caption)
