"""Fool the model: change each pixel a little, in the direction the gradient points, until the network is wrong."""

import streamlit as st

from mnist_cnn.explain.attacks import DEFAULT_STEPS, attack
from mnist_cnn.lessons.options import page_option
from mnist_cnn.plots.network import make_convolution_figure
from mnist_cnn.plots.probabilities import make_probability_bars
from ui.digit_source import choose_digit
from ui.display import show_figure
from ui.lesson_link import keep_view_in_address_bar
from ui.state import require_model

# Attack methods: label -> number of gradient steps. Strength slider range and default.
METHODS = {"FGSM (one step)": 1, f"Iterative (PGD, up to {DEFAULT_STEPS} steps)": DEFAULT_STEPS}
UNTARGETED, TARGETED = "Any wrong digit", "A digit I choose"

EXPLANATION = """
**Why this works.** The network's score for each digit is a smooth function of all 784 pixels, so it has a
gradient: for every pixel, which way (brighter or darker) raises or lowers the score. The attack moves *every*
pixel by the same small amount ε in the direction that hurts the right answer most (the sign of the gradient:
the *fast gradient sign method*, FGSM). Each change is tiny, but 784 tiny changes that all push the same way add
up: in a network that is nearly linear, the score moves by about ε × (the sum of the gradient's absolute
values). The iterative attack repeats small steps and re-reads the gradient each time (projected gradient
descent, PGD), so it finds a wrong answer with less change. A person still sees the same digit, because we
look at strokes and shapes, while the network reacts to faint patterns spread over the whole image — patterns
no MNIST digit ever had. Training on such examples ("adversarial training") makes a network harder to fool.
"""


@st.fragment
def show_attack(model, image, true_label, caption) -> None:
    """The attack controls, the three images and the probabilities before and after."""
    columns = st.columns(3)
    method = columns[0].radio("Method", list(METHODS), key=page_option("fool", "method").key)
    goal = columns[1].radio("Goal", [UNTARGETED, TARGETED], key=page_option("fool", "goal").key, horizontal=True)
    target = None
    if goal == TARGETED:
        target_option = page_option("fool", "target")
        target = columns[1].selectbox("Target digit", list(range(10)), index=target_option.start,
                                      key=target_option.key)
    strength_option = page_option("fool", "strength")
    strength = columns[2].slider("Strength ε (largest change of one pixel)", strength_option.low,
                                 strength_option.high, strength_option.start, step=0.01, key=strength_option.key,
                                 help="Pixels run from 0 (black) to 1 (white); 0.1 is a tenth of that range.")
    result = attack(model, image, strength, target=target, steps=METHODS[method])
    show_figure(make_convolution_figure([
        (f"original: {caption}", result.original, "image"),
        (f"perturbation (±{strength:.2f})", result.perturbation, "signed"),
        ("original + perturbation", result.adversarial, "image"),
    ]), alt=f"Three images: the original ({caption}), the perturbation (blue darker, red brighter, at most "
            f"±{strength:.2f}) and the original plus the perturbation")
    before, after = st.columns(2)
    with before:
        st.metric("Prediction before", result.original_digit,
                  f"{result.original_probabilities[result.original_digit]:.1%} confident", delta_color="off",
                  delta_arrow="off")
        st.html(make_probability_bars(result.original_probabilities, true_label, height=140))
    with after:
        st.metric("Prediction after", result.adversarial_digit,
                  f"{result.adversarial_probabilities[result.adversarial_digit]:.1%} confident",
                  delta_color="off", delta_arrow="off")
        st.html(make_probability_bars(result.adversarial_probabilities, true_label, height=140))
    steps = f" after {result.steps_taken} step{'s' if result.steps_taken > 1 else ''}"
    if result.succeeded:
        st.success(f"Fooled{steps}: the network now says **{result.adversarial_digit}**, although no pixel "
                   f"changed by more than {strength:.2f}.", icon=":material/sentiment_very_dissatisfied:")
    elif target is not None and target == result.original_digit:
        st.info("The network already says this digit: pick another target.")
    else:
        st.info(f"Not fooled{steps}: raise the strength, or use the iterative method.", icon=":material/shield:")
    keep_view_in_address_bar()  # a change made in this fragment reaches the URL at once


stored, model = require_model()
st.title("Fool the model")
st.caption("A gradient attack changes every pixel by at most ε, each in the direction that hurts the right "
           "answer most. Small, carefully aimed changes can make the network see another digit.")
image, true_label, caption = choose_digit("fool")
show_attack(model, image, true_label, caption)
st.markdown(EXPLANATION)
