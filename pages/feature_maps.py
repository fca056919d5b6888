"""Feature maps page: follow your drawing, or any test digit, through every conv layer of the active model."""

import numpy as np
import streamlit as st

from mnist_cnn.evaluation.metrics import find_mistakes
from mnist_cnn.explain.feature_maps import compute_feature_maps, list_feature_layers
from mnist_cnn.inputs.images import enlarge_pixels, to_unit_floats
from mnist_cnn.lessons.options import option_key
from mnist_cnn.model.inference import classify
from mnist_cnn.plots.network import make_channel_heatmap, make_feature_map_grid
from mnist_cnn.plots.probabilities import make_probability_bars
from ui.digit_source import MY_DRAWING, TEST_DIGIT, require_drawing
from ui.display import show_figure
from ui.feature_maps.trace_unit import show_trace_unit
from ui.lesson_link import keep_view_in_address_bar
from ui.personal import show_personal_answer, show_personal_switch
from ui.state import active_evaluation, require_model, restore_widget, save_widget, test_set_or_message
from ui.verdict import show_not_a_digit

# Colour-scale choices, and the session keys this page keeps across pages.
SHARED_SCALE, CHANNEL_SCALE = "Shared per layer", "Per channel"
SOURCE_KEY, INDEX_KEY = option_key("feature_maps", "input"), "feature_maps_test_index"


def set_test_index(index: int) -> None:
    """Show test digit `index` (used by the shortcut buttons)."""
    st.session_state[SOURCE_KEY] = TEST_DIGIT
    st.session_state[INDEX_KEY] = int(index)
    save_widget(SOURCE_KEY)
    save_widget(INDEX_KEY)


def pick_random_digit(count: int) -> None:
    """Jump to a random test digit."""
    set_test_index(np.random.default_rng().integers(count))


def pick_next_mistake() -> None:
    """Jump to the next misclassified test digit after the current one (wrapping around)."""
    evaluation = active_evaluation()
    if evaluation is None:
        return
    mistakes = np.sort(find_mistakes(evaluation))
    if len(mistakes) == 0:
        st.toast("This model gets every test digit right.")
        return
    later = mistakes[mistakes > st.session_state[INDEX_KEY]]
    set_test_index(later[0] if len(later) else mistakes[0])


def choose_input(x_test, y_test):
    """The input controls: returns (image (28, 28) float32, true label or None, caption)."""
    handed_over = st.session_state.get("feature_map_index")
    if handed_over is not None:  # another page (the test-set explorer) asked for this digit
        set_test_index(handed_over)
        st.session_state["feature_map_index"] = None
    drawing = st.session_state.get("drawing_input")
    restore_widget(SOURCE_KEY, MY_DRAWING if drawing is not None else TEST_DIGIT)
    restore_widget(INDEX_KEY, 0)
    source = st.radio("Input", [MY_DRAWING, TEST_DIGIT], key=SOURCE_KEY, horizontal=True,
                      on_change=save_widget, args=(SOURCE_KEY,))
    if source == MY_DRAWING:
        return require_drawing(drawing), None, "your drawing"
    if x_test is None:
        st.stop()
    columns = st.columns([2, 1, 1.4], vertical_alignment="bottom")
    index = columns[0].number_input(f"Test digit index (0–{len(x_test) - 1})", 0, len(x_test) - 1, step=1,
                                    key=INDEX_KEY, on_change=save_widget, args=(INDEX_KEY,))
    columns[1].button("Random", icon=":material/casino:", on_click=pick_random_digit, args=(len(x_test),),
                      width="stretch")
    columns[2].button("Next misclassified", icon=":material/skip_next:", on_click=pick_next_mistake,
                      width="stretch", help="The next test digit after this one that the model gets wrong.")
    return to_unit_floats(x_test[index]), int(y_test[index]), f"test digit #{index}"


def show_input_and_prediction(model, image, true_label, caption) -> None:
    """The input image, its true label and the model's prediction with all ten probabilities."""
    classification = classify(model, image)
    probabilities, prediction = classification.probabilities, classification.digit
    columns = st.columns([1, 1, 3])
    columns[0].image(enlarge_pixels(image, 5), caption=caption, width=140, alt=f"The input: {caption}")
    columns[1].metric("True digit", "?" if true_label is None else true_label)
    columns[1].metric("Prediction", prediction if classification.is_digit else "not a digit",
                      f"{probabilities[prediction]:.1%} top probability", delta_color="off", delta_arrow="off")
    if true_label is not None:
        columns[1].markdown(":blue[**✓ right**]" if prediction == true_label else ":orange[**✗ wrong**]")
    columns[2].html(make_probability_bars(probabilities, true_label, height=140))
    if not classification.is_digit:
        show_not_a_digit(classification)
    show_personal_switch("feature_maps")
    show_personal_answer(model, image, classification, page="feature_maps")


@st.fragment
def show_enlarged_channel(maps: dict, layers: list) -> None:
    """One channel of one layer, large, with each pixel's value on hover."""
    with st.expander("Enlarge one channel", expanded=False, icon=":material/zoom_in:"):
        columns = st.columns(2)
        by_name = {layer.name: layer for layer in layers}
        layer = by_name[columns[0].selectbox("Layer", list(by_name), key=option_key("feature_maps", "layer"),
                                             format_func=lambda name: by_name[name].description)]
        channels = layer.output_shape[-1]
        channel = columns[1].number_input(f"Channel (0–{channels - 1})", 0, channels - 1, step=1,
                                          key=option_key("feature_maps", "channel", layer=layer.name))
        layer_maps = maps[layer.output_layer]
        shared = st.session_state.get(option_key("feature_maps", "scale"), SHARED_SCALE) == SHARED_SCALE
        limits = (float(layer_maps.min()), float(layer_maps.max())) if shared else (None, None)
        st.altair_chart(make_channel_heatmap(layer_maps[:, :, channel], f"{layer.name}, channel {channel}",
                                             *limits), width="content",
                        alt=f"Heatmap of {layer.name}, channel {channel}: bright where this filter found its pattern")
        st.caption("Hover a pixel for its value. Bright = this filter found its pattern there.")
    keep_view_in_address_bar()  # a change made in this fragment reaches the URL at once


stored, model = require_model()
st.title("Feature maps")
st.caption("Each convolution layer applies many small filters to its input; each filter makes one feature map, "
           "bright where it finds its pattern. Follow a digit from edges in the first layer to strokes and shapes "
           "deeper in.")
x_test, y_test = test_set_or_message()
image, true_label, caption = choose_input(x_test, y_test)
show_input_and_prediction(model, image, true_label, caption)

has_pooling = any(layer.kind == "pool" for layer in list_feature_layers(model, include_pooling=True))
controls = st.columns([1.3, 1, 2], vertical_alignment="center")
show_pooling = controls[0].toggle("Show pooling layers", disabled=not has_pooling,
                                  key=option_key("feature_maps", "pooling"),
                                  help=None if has_pooling else "This model has no pooling layers: it downsamples "
                                                                "with strided convolutions.")
scale = controls[1].radio("Colour scale", [SHARED_SCALE, CHANNEL_SCALE], key=option_key("feature_maps", "scale"),
                          help="Shared: one scale for the whole layer, so channels can be compared. "
                               "Per channel: each map stretched to its own range, to see faint patterns.")
layers = list_feature_layers(model, include_pooling=show_pooling)
if not layers:
    st.warning("This model has no convolution layers, so there are no feature maps to show.")
    st.stop()
if any(len(layer.steps) > 1 for layer in layers):
    controls[2].caption("In a conv → batch norm → ReLU stage, the maps shown are the stage's output after the "
                        "ReLU: exactly what the next layer sees.")
maps = compute_feature_maps(model, image, [layer.output_layer for layer in layers])
show_enlarged_channel(maps, layers)
show_trace_unit(model, image)

for layer in layers:
    height, width, channels = layer.output_shape
    kind = "convolution" if layer.kind == "conv" else "pooling"
    st.subheader(f"{layer.name} · {height}×{width}×{channels}", divider="gray")
    st.caption(f"{kind}: {' → '.join(layer.steps)} · {channels} channels of {height}×{width}")
    show_figure(make_feature_map_grid(maps[layer.output_layer], per_channel=scale == CHANNEL_SCALE), dpi=150,
                alt=f"Every feature map of {layer.name}, one small image per channel: bright where its filter "
                    f"found its pattern in the input")
