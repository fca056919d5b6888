"""Kernels page: the learned 3×3 filters of every conv layer, their biases (or batch-norm shifts) and statistics."""

import pandas as pd
import streamlit as st

from mnist_cnn.explain.kernels import (MEAN_ABSOLUTE, list_conv_layers, read_conv_weights, select_kernels,
                                       summarize_weights)
from mnist_cnn.lessons.options import option_key
from mnist_cnn.plots.network import make_channel_values_chart, make_kernel_grid
from ui.display import show_figure
from ui.kernels.filter_views import show_filter_views
from ui.state import require_model


def describe_conv_layer(layer) -> str:
    """A label for the layer picker: 'conv2 · 32 filters of 3×3×16'."""
    kernel_height, kernel_width, inputs, outputs = layer.kernel.shape
    return f"{layer.name} · {outputs} filters of {kernel_height}×{kernel_width}×{inputs}"


def show_first_layer_kernels(weights) -> None:
    """The first layer reads the image itself: every kernel as an annotated 3×3 grid."""
    st.markdown("This layer looks at the image itself, so each filter is one small grid of weights. Red weights "
                "reward ink under them, blue weights penalise it: a filter with red on one side and blue on "
                "the other detects an edge.")
    show_figure(make_kernel_grid(select_kernels(weights.kernel, 0),
                                 f"{weights.name}: {weights.output_channels} kernels (weights written in)"),
                alt=f"The {weights.output_channels} kernels of {weights.name} as small grids of weights, each weight "
                    f"written in its cell: blue negative, red positive, white about zero")


def show_deeper_kernels(weights) -> None:
    """A deeper layer: one kernel per output channel for a chosen input channel, or the mean |w| over all."""
    st.markdown(f"Each of the {weights.output_channels} filters here has one 3×3 kernel **per input channel** "
                f"({weights.input_channels} of them) and sums the results. Pick which input channel to look at, "
                f"or the mean absolute weight over all of them (how strongly each position is used).")
    choices = [MEAN_ABSOLUTE, *range(weights.input_channels)]
    choice = st.selectbox("Input channel", choices, key=option_key("kernels", "input", layer=weights.name),
                          format_func=lambda item: item if item == MEAN_ABSOLUTE else f"input channel {item}")
    kernels = select_kernels(weights.kernel, choice)
    annotate = weights.output_channels <= 32
    if choice == MEAN_ABSOLUTE:
        figure = make_kernel_grid(kernels, f"{weights.name}: mean |w| over {weights.input_channels} input "
                                           f"channels, per output channel", annotate=annotate, diverging=False,
                                  colour_label="mean |weight|")
    else:
        figure = make_kernel_grid(kernels, f"{weights.name}: the kernel each output channel applies to input "
                                           f"channel {choice}", annotate=annotate)
    shown = "the mean over all input channels" if choice == MEAN_ABSOLUTE else f"input channel {choice}"
    show_figure(figure, alt=f"The {weights.output_channels} kernels of {weights.name} for {shown}"
                            f"{', each weight written in' if annotate else ''}")
    if not annotate:
        st.caption("Too many kernels to write the weights in: the colour bar gives the scale, and the "
                   "statistics below give the numbers.")


def show_shifts(weights) -> None:
    """Biases as bars, or, for a conv with no bias, the batch norm's β (shift) and γ (scale)."""
    if weights.bias is not None:
        st.altair_chart(make_channel_values_chart(weights.bias, f"{weights.name}: bias per output channel",
                                                  "bias"), width="stretch",
                        alt=f"Bar chart: the bias of each output channel of {weights.name}")
        return
    if weights.batchnorm_name is None:
        st.info(f"{weights.name} has no bias.")
        return
    st.info(f"{weights.name} has no bias: the batch norm after it ({weights.batchnorm_name}) shifts each "
            f"channel by its learned β, which plays that role, after scaling it by γ.")
    columns = st.columns(2)
    if weights.beta is not None:
        columns[0].altair_chart(make_channel_values_chart(weights.beta, f"{weights.batchnorm_name}: β (shift)",
                                                          "beta"), width="stretch",
                                alt=f"Bar chart: the batch-norm shift β of each channel of {weights.name}")
    if weights.gamma is not None:
        columns[1].altair_chart(make_channel_values_chart(weights.gamma, f"{weights.batchnorm_name}: γ (scale)",
                                                          "gamma"), width="stretch",
                                alt=f"Bar chart: the batch-norm scale γ of each channel of {weights.name}")


def show_statistics(weights) -> None:
    """Mean, standard deviation, min, max and L2 norm of each weight array of the layer."""
    arrays = {"kernel": weights.kernel, "bias": weights.bias, "batch-norm γ": weights.gamma,
              "batch-norm β": weights.beta}
    rows = [{"weights": name, **summarize_weights(values)} for name, values in arrays.items() if values is not None]
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch",
                 column_config={name: st.column_config.NumberColumn(format="%.4f")
                                for name in ("mean", "std", "min", "max", "L2 norm")})


stored, model = require_model()
st.title("Kernels")
st.caption("The filters the network learned. Colours are centred at zero: red is a positive weight, blue a "
           "negative one, white about zero.")
conv_layers = list_conv_layers(model)
if not conv_layers:
    st.warning("This model has no convolution layers.")
    st.stop()
layer_name = st.selectbox("Conv layer", [layer.name for layer in conv_layers], key=option_key("kernels", "layer"),
                          format_func=lambda name: describe_conv_layer(model.get_layer(name)))
weights = read_conv_weights(model, layer_name)
if weights.input_channels == 1:
    show_first_layer_kernels(weights)
else:
    show_deeper_kernels(weights)
st.subheader("Biases and shifts", divider="gray")
show_shifts(weights)
st.subheader("Statistics", divider="gray")
show_statistics(weights)
show_filter_views(stored, model, layer_name)
