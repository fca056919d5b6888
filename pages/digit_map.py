"""Digit map: test digits as one hidden layer sees them, flattened to 2-D by PCA or t-SNE, with your digit on it."""

import numpy as np
import streamlit as st

from mnist_cnn.explain.digit_map import MAP_METHODS, PCA, PLACEMENT_NEIGHBOURS, list_map_layers, place_digit
from mnist_cnn.lessons.options import option_key
from mnist_cnn.plots.digit_map import COLOUR_CHOICES, make_digit_map_chart
from ui.digit_map import maps
from ui.digit_source import choose_digit
from ui.state import file_hash, require_model, test_set_or_message

METHOD_HELP = {
    "PCA": "Principal component analysis: the two directions along which the digits differ most. Fast, and a new "
           "digit is placed exactly; but clusters often overlap.",
    "t-SNE": "t-distributed stochastic neighbour embedding: keeps each digit's nearest neighbours near it, so "
             "clusters separate well; distances between clusters and the axes mean little. Slow the first time.",
}


def choose_layer(model) -> str:
    """The hidden layer to map (the last one to begin with, or when the remembered one is not in this model)."""
    layers = {layer.name: layer for layer in list_map_layers(model)}
    key = option_key("digit_map", "layer")
    if st.session_state.get(key) not in layers:
        st.session_state[key] = list(layers)[-1]
    return st.selectbox("Hidden layer", list(layers), key=key, format_func=lambda name: layers[name].description,
                        help="Which layer's values place the digits: early layers group digits by how they look "
                             "(thick, slanted), the last ones by what the network thinks they are.")


stored, model = require_model()
st.title("Digit map")
st.caption(f"The first {maps.SAMPLE_SIZE:,} test digits as one hidden layer of the network sees them, flattened to two "
           f"dimensions: digits the layer finds alike sit together. Hover a dot to see its digit.")
x_test, y_test = test_set_or_message()
if x_test is None:
    st.stop()
image, true_label, caption = choose_digit("digit_map")
if not list_map_layers(model):
    st.warning("This model has no hidden layer to map.")
    st.stop()
controls = st.columns([2, 1.2, 1.4])
with controls[0]:
    layer = choose_layer(model)
method = controls[1].radio("Method", MAP_METHODS, key=option_key("digit_map", "method"), horizontal=True,
                           help=" ".join(f"**{name}**: {text}" for name, text in METHOD_HELP.items()))
colour_by = controls[2].radio("Colour by", COLOUR_CHOICES, key=option_key("digit_map", "colour"), horizontal=True)

sample_size = maps.SAMPLE_SIZE
digit_map, seconds = maps.build_map_cached(str(stored.model_path), file_hash(stored), layer, method, sample_size)
position, answer = place_digit(model, digit_map, image)
labels = y_test[:sample_size]
thumbnails = maps.make_thumbnails_cached(sample_size)
chart = make_digit_map_chart(digit_map.points, labels, digit_map.predictions, thumbnails, position, method,
                             digit_map.explained, colour_by)
st.altair_chart(chart, width="stretch")
wrong = int(np.sum(digit_map.predictions != labels))
placement = ("projected onto the same two axes" if method == PCA else
             f"placed at the average position of its {PLACEMENT_NEIGHBOURS} nearest map digits in this layer "
             f"(t-SNE cannot place a digit it was not fitted on)")
st.caption(f"**Black diamond:** {caption} (the network says {answer}), {placement}. **Crosses:** the {wrong} of "
           f"these {sample_size:,} digits the network gets wrong. {METHOD_HELP[method]} This map took "
           f"{seconds:.1f} s to compute; it is kept for this model, layer and method.")
