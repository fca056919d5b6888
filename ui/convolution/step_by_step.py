"""The Convolution demo's step-by-step section: convolution with padding and stride, ReLU, max pooling, softmax."""

import numpy as np
import pandas as pd
import streamlit as st

from mnist_cnn.explain.convolution import KERNEL_PRESETS
from mnist_cnn.explain.step_by_step import (POOL_SIZE, apply_relu, compute_output_size, compute_softmax_steps,
                                            correlate, explain_window, max_pool, read_logits)
from mnist_cnn.lessons.options import option_key, page_option
from mnist_cnn.plots.network import make_worked_example_figure
from mnist_cnn.plots.probabilities import make_probability_bars
from mnist_cnn.plots.steps import make_window_step_figure
from ui.display import show_figure
from ui.lesson_link import keep_view_in_address_bar
from ui.state import active_model

# The learner's choices (kernel preset, padding, stride, output pixel): keys, ranges and defaults from the table.
KERNEL, PADDING, STRIDE = (page_option("convolution", name) for name in ("kernel", "padding", "stride"))


def clamped_slider(column, label: str, maximum: int, key: str, default: int) -> int:
    """A 0..maximum slider whose remembered value is pulled back inside when the range shrinks."""
    st.session_state[key] = min(int(st.session_state.get(key, default)), maximum)
    return column.slider(label, 0, maximum, key=key)


def show_convolution_step(image: np.ndarray):
    """Step 1: the convolution, its output-size formula and one output pixel; returns (output, row, col)."""
    columns = st.columns(3)
    preset = columns[0].selectbox("Kernel", list(KERNEL_PRESETS), key=KERNEL.key)
    padding = columns[1].slider("Padding p", PADDING.low, PADDING.high, PADDING.start, key=PADDING.key,
                                help="Rows and columns of zeros added around the input.")
    stride = columns[2].slider("Stride s", STRIDE.low, STRIDE.high, STRIDE.start, key=STRIDE.key,
                               help="How many pixels the kernel jumps between two outputs.")
    kernel = KERNEL_PRESETS[preset]
    size, n = kernel.shape[0], image.shape[0]
    out = compute_output_size(n, size, padding, stride)
    st.latex(rf"\text{{output size}} = \left\lfloor \frac{{n + 2p - k}}{{s}} \right\rfloor + 1 = "
             rf"\left\lfloor \frac{{{n} + 2\cdot{padding} - {size}}}{{{stride}}} \right\rfloor + 1 = {out}")
    output = correlate(image, kernel, padding, stride)  # (out, out)
    columns = st.columns(2)
    strongest_row, strongest_col = np.unravel_index(np.abs(output).argmax(), output.shape)  # start there
    row = clamped_slider(columns[0], "Output row", out - 1, option_key("convolution", "out_row"), int(strongest_row))
    col = clamped_slider(columns[1], "Output column", out - 1, option_key("convolution", "out_col"), int(strongest_col))
    explanation = explain_window(image, kernel, padding, stride, row, col)
    columns = st.columns([1, 1.3])
    with columns[0]:
        window = (explanation.top, explanation.left, size, size)
        show_figure(make_window_step_figure(
            image, "image", f"input {n}×{n}, padded by {padding}", window,
            output, "signed", f"output {out}×{out}: pixel ({row}, {col})", (row, col), padding),
            alt=f"The padded input with the window of output pixel ({row}, {col}) framed, and the {out}×{out} output")
    with columns[1]:
        show_figure(make_worked_example_figure(explanation.window, kernel, explanation.products,
                                               explanation.total),
                    alt="The window's pixels, the kernel's weights and their products, written in")
    st.caption(f"The window of output pixel ({row}, {col}) starts at row {row}·{stride} = {explanation.top} and "
               f"column {col}·{stride} = {explanation.left} of the padded input (dashed blue frame: the real "
               f"image; outside it the zeros of the padding). A larger stride skips positions and shrinks the "
               f"output; padding lets the kernel sit on the border.")
    return output, row, col


def show_relu_and_pooling_steps(output: np.ndarray, row: int, col: int) -> None:
    """Steps 2 and 3: ReLU on the convolution's output, then 2×2 max pooling, with the chosen pixel's numbers."""
    value = float(output[row, col])
    rectified = apply_relu(output)
    st.markdown("**Step 2 · ReLU** keeps positive values and sets negative ones to zero.")
    st.latex(rf"\mathrm{{ReLU}}(y_{{{row},{col}}}) = \max(0,\ {value:.3f}) = {max(value, 0.0):.3f}")
    st.markdown(f"**Step 3 · Max pooling** ({POOL_SIZE}×{POOL_SIZE}, stride {POOL_SIZE}) keeps the largest value "
                f"of each window: the map shrinks, and a feature counts wherever in the window it was found.")
    if min(rectified.shape) < POOL_SIZE:
        st.info("The convolution's output is too small to pool: lower the stride.")
        return
    pooled = max_pool(rectified)
    pool_row, pool_col = min(row // POOL_SIZE, pooled.shape[0] - 1), min(col // POOL_SIZE, pooled.shape[1] - 1)
    top, left = pool_row * POOL_SIZE, pool_col * POOL_SIZE
    window = rectified[top:top + POOL_SIZE, left:left + POOL_SIZE]
    columns = st.columns([1, 1.3])
    with columns[0]:
        show_figure(make_window_step_figure(
            rectified, "magnitude", f"after ReLU {rectified.shape[0]}×{rectified.shape[1]}",
            (top, left, POOL_SIZE, POOL_SIZE), pooled, "magnitude",
            f"after pooling {pooled.shape[0]}×{pooled.shape[1]}: ({pool_row}, {pool_col})", (pool_row, pool_col)),
            alt=f"The map after ReLU with the pooling window framed, and the pooled map with pixel "
                f"({pool_row}, {pool_col}) marked")
    with columns[1]:
        numbers = ",\\ ".join(f"{number:.3f}" for number in window.reshape(-1))
        st.latex(rf"\max({numbers}) = {float(window.max()):.3f}")


def show_softmax_step(image: np.ndarray) -> None:
    """Step 4: softmax on the active model's real logits for this image."""
    st.markdown("**Step 4 · Softmax** turns the network's ten final scores (logits) into probabilities: "
                "exponentiate each, divide by their sum. Subtracting the largest logit first changes nothing "
                "but keeps the exponentials from overflowing.")
    stored, model = active_model()
    if model is None:
        return
    steps = compute_softmax_steps(read_logits(model, image))
    top = int(steps.probabilities.argmax())
    st.latex(rf"p_{{{top}}} = \frac{{e^{{z_{{{top}}} - \max z}}}}{{\sum_j e^{{z_j - \max z}}}} = "
             rf"\frac{{{steps.exponentials[top]:.5g}}}{{{steps.total:.5g}}} = {steps.probabilities[top]:.5g}")
    table = pd.DataFrame({"digit": range(10), "logit z": steps.logits, "z − max z": steps.shifted,
                          "exp(z − max z)": steps.exponentials, "probability": steps.probabilities})
    columns = st.columns([1.2, 1])
    columns[0].dataframe(table, hide_index=True, column_config={
        name: st.column_config.NumberColumn(format="%.4g") for name in list(table.columns)[1:]})
    columns[1].html(make_probability_bars(steps.probabilities, height=160))
    st.caption(f"These are the real logits of the model `{stored.name}` for this image: the softmax of them is "
               f"exactly the model's output.")


@st.fragment
def show_step_by_step(image: np.ndarray) -> None:
    """The four operations of a CNN, one after the other, with the live numbers for this image."""
    st.subheader("Step by step: convolution → ReLU → max pooling → softmax", divider="gray")
    st.markdown("**Step 1 · Convolution** with the padding and stride you choose.")
    output, row, col = show_convolution_step(np.asarray(image, dtype="float32"))
    show_relu_and_pooling_steps(output, row, col)
    show_softmax_step(np.asarray(image, dtype="float32"))
    keep_view_in_address_bar()  # a change made in this fragment reaches the URL at once
