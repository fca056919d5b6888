"""What-if on the preprocessing (Draw page): switch normalisation steps off, shift, scale and rotate the digit."""

import streamlit as st

from mnist_cnn.inputs.images import fit_into_square
from mnist_cnn.inputs.preprocess import PreprocessError, PreprocessOptions, preprocess_drawing
from mnist_cnn.model.inference import classify
from mnist_cnn.plots.drawing import STEP_DISPLAY_SIZE
from mnist_cnn.plots.probabilities import make_probability_bars

# The switches (option name -> label) and the movement sliders' ranges.
SWITCHES = {"crop": "Crop to the ink", "stroke_width": "MNIST stroke width", "fit_box": "Fit into 20×20",
            "centre_of_mass": "Centre by mass"}
MAX_SHIFT, MIN_SCALE, MAX_SCALE, MAX_ROTATION = 8, 0.5, 1.5, 90

EXPLANATION = ("MNIST's digits were all cropped, fitted into a 20×20 box and centred by their centre of mass, and "
               "the network learned from nothing else: it never saw a digit in a corner, a tiny one, a huge one or "
               "a tilted one. Switch a step off or move the digit and watch the probabilities: a convolutional "
               "network tolerates small shifts, but not the larger changes that normalisation removes.")


def read_options(source: str) -> PreprocessOptions:
    """The switches and sliders of the what-if block as PreprocessOptions."""
    switches = {name: column.toggle(label, value=True, key=f"what_if_{name}_{source}")
                for column, (name, label) in zip(st.columns(len(SWITCHES)), SWITCHES.items())}
    columns = st.columns(4)
    right = columns[0].slider("Shift right (px)", -MAX_SHIFT, MAX_SHIFT, 0, key=f"what_if_right_{source}")
    down = columns[1].slider("Shift down (px)", -MAX_SHIFT, MAX_SHIFT, 0, key=f"what_if_down_{source}")
    scale = columns[2].slider("Scale", MIN_SCALE, MAX_SCALE, 1.0, step=0.05, key=f"what_if_scale_{source}")
    rotation = columns[3].slider("Rotate (°, anticlockwise)", -MAX_ROTATION, MAX_ROTATION, 0, step=5,
                                 key=f"what_if_rotation_{source}")
    return PreprocessOptions(**switches, shift=(float(right), float(down)), scale=float(scale),
                             rotation=float(rotation))


def show_what_if(model, image, source: str = "canvas") -> None:
    """The same picture through a changed preprocessing, with the new prediction (shown while switched on)."""
    st.markdown("**What if a normalisation step were off, or the digit moved?**")
    st.caption(EXPLANATION)
    with st.container(border=True):
        options = read_options(source)
        try:
            changed = preprocess_drawing(image, options)
        except PreprocessError as error:
            st.warning(f"This picture cannot be preprocessed: {error}")
            return
        if changed.model_input is None:
            st.info(changed.message)
            return
        normal = classify(model, preprocess_drawing(image).model_input)
        result = classify(model, changed.model_input)
        columns = st.columns([1, 1, 3])
        columns[0].image(fit_into_square(changed.model_input, STEP_DISPLAY_SIZE), caption="what the network gets now",
                         width=140)
        columns[1].metric("The network now reads", str(result.digit), f"{result.confidence:.1%} confident",
                          delta_color="off", delta_arrow="off")
        columns[1].caption(f"With every step and no move: {normal.digit} ({normal.confidence:.1%}).")
        with columns[2]:
            st.html(make_probability_bars(result.probabilities, height=120))
