"""Neighbours and the map (Draw page): the drawing's nearest training digits and its place among test digits."""

from pathlib import Path

import numpy as np
import streamlit as st

from ui.state import active_stored_model, file_hash, load_model_cached, load_test_set_cached, \
    load_training_set_cached

# The Digit map page (a larger map), linked under this one.
DIGIT_MAP_PAGE = str(Path(__file__).resolve().parent.parent.parent / "pages" / "digit_map.py")
# The search bank (the first BANK_SIZE training digits), the map (the first MAP_SIZE test digits), neighbours shown.
BANK_SIZE = 10_000
MAP_SIZE = 3_000
NEIGHBOURS = 8


@st.cache_data(max_entries=4, show_spinner="Placing 13,000 digits in the network's last hidden layer (once per "
                                            "model)…")
def build_index_cached(model_path: str, model_hash: str):
    """The EmbeddingIndex of one model file, computed once per file content."""
    from mnist_cnn.explain.embedding import build_index  # TensorFlow: imported when the switch is first on

    x_train, _ = load_training_set_cached()
    x_test, y_test = load_test_set_cached()
    model = load_model_cached(model_path, model_hash)
    return build_index(model, x_train[:BANK_SIZE], x_test[:MAP_SIZE], y_test[:MAP_SIZE])


def show_neighbours(model, model_input: np.ndarray, source: str = "canvas") -> None:
    """The drawing's nearest training digits and its place on the map of test digits (shown while switched on)."""
    from mnist_cnn.explain.embedding import find_neighbours, place_on_map  # TensorFlow
    from mnist_cnn.plots.explorer import make_digit_grid_figure  # matplotlib and Altair: only while switched on
    from mnist_cnn.plots.neighbours import make_map_chart
    from ui.display import show_figure

    st.markdown("**Neighbours and the map: where your drawing lands in the network's last hidden layer**")
    with st.container(border=True):
        stored = active_stored_model()
        if stored is None:
            return
        index = build_index_cached(str(stored.model_path), file_hash(stored))
        x_train, y_train = load_training_set_cached()
        neighbours, distances = find_neighbours(model, index, x_train[:BANK_SIZE], model_input, NEIGHBOURS)
        titles = [f"{int(y_train[i])} · {distance:.1f}" for i, distance in zip(neighbours, distances)]
        show_figure(make_digit_grid_figure(x_train[neighbours], titles, ["#333333"] * NEIGHBOURS,
                                           columns=NEIGHBOURS),
                    alt="The training digits nearest to your drawing; the title of each gives its label and distance: "
                        + ", ".join(titles))
        st.caption(f"The {NEIGHBOURS} training digits (of the first {BANK_SIZE:,}) closest to your drawing in the "
                   f"network's last hidden layer: their label · their distance. Neighbours with another label "
                   f"show which digits the network thinks yours resembles.")
        chart = make_map_chart(index.map_points, index.map_labels, place_on_map(model, index, model_input),
                               index.explained)
        st.altair_chart(chart, width="stretch", alt="Scatter map of test digits coloured by digit, each "
                        "digit's label at the centre of its cloud, your drawing a black diamond")
        st.caption(f"{MAP_SIZE:,} test digits in that same layer, flattened to two dimensions by PCA (the two "
                   f"directions along which they differ most); the black diamond is your drawing. Digits the "
                   f"network finds alike sit together.")
        st.page_link(DIGIT_MAP_PAGE, label="A larger map: any layer, PCA or t-SNE, each digit's picture on hover",
                     icon=":material/scatter_plot:")
