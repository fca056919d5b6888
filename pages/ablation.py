"""Switch filters off: zero conv filters in a copy of the network and watch the maps, answer and accuracy change."""

import pandas as pd
import streamlit as st

from mnist_cnn.explain.ablation import SAMPLE_SIZE, count_changed_channels, predict_probabilities
from mnist_cnn.explain.feature_maps import compute_feature_maps, list_feature_layers
from mnist_cnn.inputs.images import enlarge_pixels
from mnist_cnn.lessons.options import option_key
from mnist_cnn.plots.network import make_feature_map_grid
from mnist_cnn.plots.probabilities import make_probability_bars
from ui.ablation.switch_off import ranking_table, sample_accuracy, switched_off_model
from ui.digit_source import choose_digit
from ui.display import show_figure
from ui.lesson_link import keep_view_in_address_bar
from ui.state import require_model, set_widget

# How many of the ranking's top filters the shortcut button switches off.
TOP_FILTERS = 3


def switch_off_only(layer_name: str, channels: list[int]) -> None:
    """Switch off exactly these filters of the layer (the whole-layer switch goes off): the ranking's button."""
    set_widget(option_key("ablation", "off", layer=layer_name), channels)
    set_widget(option_key("ablation", "whole"), False)


def choose_filters(stages):
    """Layer picker, whole-layer switch and filter picker: (the chosen stage, the channels to switch off)."""
    by_name = {stage.name: stage for stage in stages}
    columns = st.columns([1.2, 2], vertical_alignment="bottom")
    name = columns[0].selectbox("Layer", list(by_name), key=option_key("ablation", "layer"),
                                format_func=lambda layer: by_name[layer].description)
    stage = by_name[name]
    count = stage.output_shape[-1]
    whole = columns[0].toggle("Switch off the whole layer", key=option_key("ablation", "whole"))
    chosen = columns[1].multiselect(f"Filters to switch off (0–{count - 1})", list(range(count)), disabled=whole,
                                    key=option_key("ablation", "off", layer=name),
                                    placeholder="Pick filters, or switch off the ranking's top ones below")
    return stage, tuple(range(count)) if whole else tuple(sorted(chosen))


def show_answers(model, switched, image, true_label, caption, accuracies) -> int:
    """The digit, the prediction and the ten probabilities with every filter on and with the chosen ones off."""
    before, after = predict_probabilities(model, image), predict_probabilities(switched, image)
    columns = st.columns([1, 2, 2])
    columns[0].image(enlarge_pixels(image, 5), caption=caption, width=120)
    for column, title, probabilities, accuracy in zip(columns[1:], ("Every filter on", "Chosen filters off"),
                                                      (before, after), accuracies):
        digit = int(probabilities.argmax())
        column.metric(title, digit, f"{probabilities[digit]:.1%} sure", delta_color="off", delta_arrow="off")
        column.html(make_probability_bars(probabilities, true_label, height=110))
        if accuracy is not None:
            column.caption(f"Accuracy on the first {SAMPLE_SIZE} test digits: **{accuracy:.1%}**")
    return int(before.argmax())


def show_maps(model, switched, image, stages, stage) -> None:
    """How much each conv stage's maps changed, then the maps of the chosen stage (or a later one) with filters off."""
    names = [item.output_layer for item in stages]
    before, after = compute_feature_maps(model, image, names), compute_feature_maps(switched, image, names)
    st.dataframe(pd.DataFrame({
        "Layer": [item.name for item in stages],
        "Channels changed": [f"{count_changed_channels(before[item.output_layer], after[item.output_layer])} of "
                             f"{item.output_shape[-1]}" for item in stages],
    }), hide_index=True, width="content")
    st.caption("Layers before the chosen one cannot change; in the chosen layer only the switched-off channels "
               "change (they go flat); every layer after it can.")
    later = {item.name: item for item in stages[stages.index(stage):]}
    shown = later[st.selectbox("Show the maps of", list(later), key=f"ablation_maps_{stage.name}",
                               format_func=lambda name: later[name].description)]
    st.caption(f"{shown.name} with the filters off: bright where a filter finds its pattern.")
    show_figure(make_feature_map_grid(after[shown.output_layer]))


@st.fragment
def show_switches(stored, model, stages, image, true_label, caption) -> None:
    """The controls and everything they change, rerun on their own when a control changes."""
    stage, channels = choose_filters(stages)
    switched = switched_off_model(stored, stage.name, channels)
    accuracies = (sample_accuracy(stored, stage.name, ()), sample_accuracy(stored, stage.name, channels))
    digit = show_answers(model, switched, image, true_label, caption, accuracies)
    st.subheader(f"The {stage.name} filters this digit needs most", divider="gray")
    ranking = ranking_table(stored, image, stage.name, digit)
    st.dataframe(ranking, hide_index=True, width="content")
    hint = "" if ranking["Drop (points)"].max() >= 1 else (
        " Here no filter matters much alone: the others make up for it. Switch off several, or try a harder digit.")
    st.caption(f"Each filter switched off alone: how many percentage points the probability of {digit} drops. "
               f"A large drop means this digit relies on what that filter finds.{hint}")
    top = sorted(int(channel) for channel in ranking["Filter"][:TOP_FILTERS])
    st.button(f"Switch off the top {TOP_FILTERS} ({', '.join(map(str, top))})", icon=":material/power_off:",
              key="ablation_switch_top", on_click=switch_off_only, args=(stage.name, top))
    st.subheader("Feature maps", divider="gray")
    show_maps(model, switched, image, stages, stage)
    keep_view_in_address_bar()  # a change made in this fragment reaches the URL at once


stored, model = require_model()
st.title("Switch filters off")
st.caption("Each convolution filter looks for one pattern. Switch some off (their weights set to zero, in a copy of "
           "the network) and see what the network still sees, what it answers, and how accurate it stays.")
image, true_label, caption = choose_digit("ablation")
stages = list_feature_layers(model)
if not stages:
    st.warning("This model has no convolution layers, so there are no filters to switch off.")
    st.stop()
show_switches(stored, model, stages, image, true_label, caption)
