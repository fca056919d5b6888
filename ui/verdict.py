"""The "not a digit" verdict as the Draw and Feature maps pages show it."""

import streamlit as st

# Shown beside the verdict: why the top probability alone cannot say "that is not a digit".
SOFTMAX_IS_NOT_CONFIDENCE = (
    "**Why a probability is not a confidence.** The network's last layer turns ten scores into ten "
    "probabilities with a softmax, which always adds up to 100%: it can only share out belief among the ten "
    "digits, never say \"none of them\". A letter or a scribble still gets a winner, often at 99%, because the "
    "softmax looks only at how the scores differ from each other, not at how strong they are. So the app also "
    "looks at the winning score's strength before the softmax: real digits excite the network strongly, other "
    "drawings weakly. Below a threshold that real digits almost never fall under (calibrated on MNIST training "
    "digits), the answer is \"not a digit\". During training the network was also shown letters, scribbles, "
    "pairs of digits and doodles, and taught to give them even, weak scores.")


def describe_verdict(classification) -> str:
    """One sentence: why the drawing was judged not to be a digit."""
    return (f"It does not look like any digit the network knows: its digit score is "
            f"{classification.digit_score:.1f}, below the {classification.digit_threshold:.1f} that real digits "
            f"reach. The best guess would be {classification.digit} ({classification.confidence:.0%}), but "
            f"that is only the least unlikely of ten poor fits.")


def show_not_a_digit(classification) -> None:
    """The plain "not a digit" message, with the reason and why the softmax cannot say it alone."""
    st.error(f"**That is not a digit.** {describe_verdict(classification)}", icon=":material/block:")
    with st.expander("Why not just trust the percentage?", icon=":material/help:"):
        st.markdown(SOFTMAX_IS_NOT_CONFIDENCE)
