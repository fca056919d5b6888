"""Convolution demo page: Sobel edges through a hand-set Keras Conv2D, your own 3×3 kernel, one pixel worked out."""

import numpy as np
import pandas as pd
import streamlit as st

from mnist_cnn.explain.convolution import (KERNEL_PRESETS, apply_kernels, check_kernel, compute_gradient_magnitude,
                                           explain_output_pixel, format_sum_equation)
from mnist_cnn.inputs.images import to_unit_floats
from mnist_cnn.lessons.options import option_key
from mnist_cnn.plots.network import make_convolution_figure, make_window_figure, make_worked_example_figure
from ui.convolution.step_by_step import show_step_by_step
from ui.display import show_figure
from ui.lesson_link import keep_view_in_address_bar
from ui.state import test_set_or_message

# Input sources and the session keys of this page.
TEST_DIGIT, MY_DRAWING = "Test digit", "My drawing"
INDEX_KEY, PRESET_KEY = "convolution_test_index", option_key("convolution", "preset")


@st.cache_data(max_entries=64, show_spinner=False)
def apply_kernels_cached(image: np.ndarray, kernels: tuple[tuple[float, ...], ...]) -> np.ndarray:
    """apply_kernels, cached on the image and the kernel values: (28, 28, kernels)."""
    return apply_kernels(image, [np.asarray(kernel, "float32").reshape(3, 3) for kernel in kernels])


def choose_image():
    """The input controls: returns (image (28, 28) float32 in [0, 1], caption), or stops the page."""
    drawing = st.session_state.get("drawing_input")
    source = st.radio("Input", [TEST_DIGIT, MY_DRAWING], index=0 if drawing is None else 1, horizontal=True,
                      key=option_key("convolution", "input"))
    if source == MY_DRAWING:
        if drawing is None:
            st.info("Draw a digit on the Draw page first, or pick a test digit.")
            st.stop()
        return np.asarray(drawing, dtype="float32"), "your drawing"
    x_test, _ = test_set_or_message()
    if x_test is None:
        st.stop()
    st.session_state.setdefault(INDEX_KEY, 0)
    columns = st.columns([3, 1], vertical_alignment="bottom")
    index = columns[0].number_input(f"Test digit index (0–{len(x_test) - 1})", 0, len(x_test) - 1, step=1,
                                    key=INDEX_KEY)
    columns[1].button("Random", icon=":material/casino:", width="stretch", on_click=st.session_state.update,
                      kwargs={INDEX_KEY: int(np.random.default_rng().integers(len(x_test)))})
    return to_unit_floats(x_test[index]), f"test digit #{index}"


def format_matrix(kernel: np.ndarray) -> str:
    """A 3×3 kernel as a LaTeX matrix."""
    rows = [" & ".join(f"{value:g}" for value in row) for row in kernel]
    return r"\begin{bmatrix}" + r" \\ ".join(rows) + r"\end{bmatrix}"


def show_sobel(image: np.ndarray, caption: str) -> None:
    """Sobel X and Y through one Keras Conv2D layer, signed outputs with zero as mid-grey, and the magnitude."""
    st.subheader("Edges with Sobel kernels", divider="gray")
    sobel_x, sobel_y = KERNEL_PRESETS["Sobel X"], KERNEL_PRESETS["Sobel Y"]
    outputs = apply_kernels_cached(image, (tuple(sobel_x.ravel()), tuple(sobel_y.ravel())))  # (28, 28, 2)
    magnitude = compute_gradient_magnitude(outputs[..., 0], outputs[..., 1])
    show_figure(make_convolution_figure([(f"input: {caption}", image, "image"),
                                         ("Sobel X: vertical edges", outputs[..., 0], "signed"),
                                         ("Sobel Y: horizontal edges", outputs[..., 1], "signed"),
                                         ("gradient magnitude √(x² + y²)", magnitude, "magnitude")]),
                alt=f"Four images: the input ({caption}), its vertical edges (Sobel X), its horizontal edges "
                    f"(Sobel Y) and the gradient magnitude")
    st.caption("Both kernels are the weights of one Keras `Conv2D(2, 3, padding='same', use_bias=False)` layer, "
               "the same operation the network's first layer uses, with weights set by hand instead of learned. "
               "Signed outputs: mid-grey is zero, red positive (dark → bright going right or down), blue "
               "negative.")
    columns = st.columns(4)
    columns[1].latex(r"K_x = " + format_matrix(sobel_x))
    columns[2].latex(r"K_y = " + format_matrix(sobel_y))


def read_kernel_editor() -> np.ndarray | None:
    """A preset picker and an editable 3×3 table; returns the kernel, or None after a message if it is invalid."""
    preset = st.selectbox("Start from a preset", list(KERNEL_PRESETS), key=PRESET_KEY,
                          help="Pick a preset, then edit any of the nine weights.")
    table = pd.DataFrame(KERNEL_PRESETS[preset], columns=["left", "centre", "right"])
    edited = st.data_editor(table, key=f"convolution_editor_{preset}", hide_index=True, width="content",
                            column_config={name: st.column_config.NumberColumn(format="%.3f", step=0.1)
                                           for name in table.columns})
    try:
        return check_kernel(edited.to_numpy(dtype="float32"))
    except (ValueError, TypeError):
        st.error("Every one of the nine cells needs a number. Fill in the empty cell to see the output.")
        return None


@st.fragment
def show_kernel_playground(image: np.ndarray) -> None:
    """Your own kernel's output, and one output pixel worked out step by step."""
    st.subheader("Your own kernel", divider="gray")
    columns = st.columns([1, 1.8, 0.5])
    with columns[0]:
        kernel = read_kernel_editor()
    if kernel is None:
        return
    output = apply_kernels_cached(image, (tuple(kernel.ravel()),))[..., 0]  # (28, 28)
    with columns[1]:
        show_figure(make_convolution_figure([("input", image, "image"), ("output of your kernel", output, "signed")]),
                    alt="Two images: the input and the output of your kernel (blue negative, red positive)")

    st.subheader("One output pixel, worked out", divider="gray")
    strongest_row, strongest_col = np.unravel_index(np.abs(output).argmax(), output.shape)
    row_key, col_key = option_key("convolution", "row"), option_key("convolution", "col")
    st.session_state.setdefault(row_key, int(strongest_row))  # start where the output is strongest
    st.session_state.setdefault(col_key, int(strongest_col))
    columns = st.columns(2)
    row = columns[0].slider("Row", 0, image.shape[0] - 1, key=row_key)
    col = columns[1].slider("Column", 0, image.shape[1] - 1, key=col_key)
    explanation = explain_output_pixel(image, kernel, row, col)
    columns = st.columns([1, 1.5])
    with columns[0]:
        show_figure(make_window_figure(image, output, row, col),
                    alt=f"The input with the 3×3 window of output pixel ({row}, {col}) framed, and the output")
    with columns[1]:
        show_figure(make_worked_example_figure(explanation.window, explanation.kernel, explanation.products,
                                               explanation.total),
                    alt="The window's nine pixels, the kernel's nine weights and their nine products, written in")
    st.latex(format_sum_equation(explanation))
    st.caption(f"Multiply each input pixel under the kernel by the weight on top of it and add the nine products. "
               f"Keras's Conv2D gives {output[row, col]:.4f} at ({row}, {col}); the sum above is "
               f"{explanation.total:.4f}. Outside the image the input counts as 0 ('same' padding). Like every "
               f"deep-learning library, Keras does not flip the kernel: strictly, this is cross-correlation.")
    keep_view_in_address_bar()  # a change made in this fragment reaches the URL at once


st.title("Convolution demo")
st.caption("A convolution slides a small grid of weights (a kernel) over the image; each output pixel is the sum "
           "of the pixels under the kernel times its weights. Here the kernels are set by hand.")
image, caption = choose_image()
show_sobel(image, caption)
show_kernel_playground(image)
show_step_by_step(image)
