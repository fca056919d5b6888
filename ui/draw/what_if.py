"""What-if on the preprocessing (Draw page): switch normalisation steps off, shift, scale and rotate the digit."""

import streamlit as st

from mnist_cnn.inputs.images import fit_into_square
from mnist_cnn.inputs.preprocess import PreprocessError, PreprocessOptions, preprocess_drawing
from mnist_cnn.lessons.options import WHAT_IF_SWITCHES, ViewOption, make_draw_options
from mnist_cnn.plots.drawing import STEP_DISPLAY_SIZE
from mnist_cnn.plots.probabilities import make_probability_bars

# The width of the new reading (metric and caption) beside the picture.
RESULT_WIDTH_PX = 180
# The switches' labels; their names, keys and the sliders' ranges come from the lesson-link table.
SWITCH_LABELS = {"crop": "Crop to the ink", "stroke_width": "MNIST stroke width", "fit_box": "Fit into 20×20",
                 "centre_of_mass": "Centre by mass"}

EXPLANATION = ("MNIST's digits were all cropped, fitted into a 20×20 box and centred by their centre of mass, and "
               "the network learned from nothing else: it never saw a digit in a corner, a tiny one, a huge one or "
               "a tilted one. Switch a step off or move the digit and watch the probabilities: a convolutional "
               "network tolerates small shifts, but not the larger changes that normalisation removes.")


def slide(column, label: str, option: ViewOption, value, **settings):
    """A slider over the option's range, starting at `value` (whole numbers for a whole-number option)."""
    number = type(value)
    return column.slider(label, number(option.low), number(option.high), value, key=option.key, **settings)


def read_options(source: str) -> PreprocessOptions:
    """The switches and sliders of the what-if block as PreprocessOptions."""
    options = make_draw_options(source)
    switches = {name: column.toggle(SWITCH_LABELS[name], value=True, key=options[name].key)
                for column, name in zip(st.columns(len(WHAT_IF_SWITCHES)), WHAT_IF_SWITCHES)}
    columns = st.columns(4)
    right = slide(columns[0], "Shift right (px)", options["right"], 0)
    down = slide(columns[1], "Shift down (px)", options["down"], 0)
    scale = slide(columns[2], "Scale", options["scale"], 1.0, step=0.05)
    rotation = slide(columns[3], "Rotate (°, anticlockwise)", options["rotation"], 0, step=5)
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
        from mnist_cnn.model.inference import classify  # TensorFlow: imported when the switch is first on

        normal = classify(model, preprocess_drawing(image).model_input)
        result = classify(model, changed.model_input)
        # One wrapping row of fixed-width blocks: the picture never covers the text beside it on a narrow screen.
        row = st.container(horizontal=True, gap="medium", key=f"what_if_result_{source}")
        row.image(fit_into_square(changed.model_input, STEP_DISPLAY_SIZE), caption="what the network gets now",
                  width=STEP_DISPLAY_SIZE, alt="The drawing after the changed preprocessing, as the network gets it")
        with row.container(width=RESULT_WIDTH_PX):
            st.metric("The network now reads", str(result.digit), f"{result.confidence:.1%} confident",
                      delta_color="off", delta_arrow="off")
            st.caption(f"With every step and no move: {normal.digit} ({normal.confidence:.1%}).")
        with row.container(width="stretch"):
            st.html(make_probability_bars(result.probabilities, height=120))
