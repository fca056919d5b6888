"""The Draw page's answer: the network that answers (Keras once the server is warm, until then the NumPy forward
pass of the same file, so the first strokes never wait for TensorFlow) and the prediction it shows."""

import streamlit as st

from mnist_cnn.model.classification import Classification
from mnist_cnn.model.numpy_forward import NumpyForwardError, NumpyNetwork, classify_without_verdict, read_keras_file
from mnist_cnn.plots.probabilities import make_probability_bars
from ui.network_ready import WARMING_UP_TEXT, is_network_ready, rerun_when_network_ready, show_warming_up
from ui.state import active_model, active_stored_model, file_hash
from ui.verdict import show_not_a_digit

# Under an answer from the NumPy forward pass, while TensorFlow is still loading.
QUICK_ANSWER_NOTE = (f"{WARMING_UP_TEXT} This first answer comes from a NumPy copy of the network; the \"not a "
                     f"digit\" check, your drawings' vote and the closer looks follow in a few seconds.")


@st.cache_resource(max_entries=8, show_spinner=False)
def read_numpy_network_cached(model_path: str, file_hash: str) -> NumpyNetwork | None:
    """A model file's NumPy forward pass, read once per content; None when it has a layer NumPy cannot run."""
    try:
        return read_keras_file(model_path)
    except NumpyForwardError:
        return None


def choose_network():
    """The active Keras model once the network is ready; until then its NumPy forward pass.

    None after a message: the model cannot be loaded, or (while warming up) NumPy cannot run it.
    """
    if is_network_ready():
        return active_model()[1]
    stored = active_stored_model()
    network = None if stored is None else read_numpy_network_cached(str(stored.model_path), file_hash(stored))
    if network is None:
        show_warming_up()
    return network


def is_quick(network) -> bool:
    """Whether this network is the NumPy stand-in (probabilities only: no verdict, no gradients, no hidden layers)."""
    return isinstance(network, NumpyNetwork)


def classify_drawing(network, model_input) -> Classification:
    """Classify a (28, 28) input with Keras (mnist_cnn.model.inference.classify) or the NumPy stand-in."""
    if is_quick(network):
        return classify_without_verdict(network, model_input)
    from mnist_cnn.model.inference import classify  # TensorFlow: by now the warm-up has imported it

    return classify(network, model_input)


def show_quick_answer_note() -> None:
    """A line under a NumPy answer; the page reruns itself (answering with Keras) once the network is ready."""
    st.caption(QUICK_ANSWER_NOTE)
    rerun_when_network_ready()


def show_prediction(classification: Classification) -> None:
    """The predicted digit and its confidence (or "not a digit"), a warning when unsure, all ten probabilities."""
    # One element: the confidence is the metric's second line. Each element of a stroke's answer is one more
    # message, and the browser redraws the page once per message.
    if classification.is_digit:
        st.metric("Prediction", str(classification.digit), delta=f"{classification.confidence:.1%} confidence",
                  delta_color="off", delta_arrow="off")
    else:
        st.metric("Prediction", "not a digit", delta=f"{classification.confidence:.1%} top probability",
                  delta_color="off", delta_arrow="off")
    if not classification.is_digit:
        show_not_a_digit(classification)
    elif classification.is_unsure:
        st.warning(f"Not sure: {classification.reason} The bars show what else it might be; a clearer, "
                   f"more typical shape usually helps.", icon=":material/help:")
    st.html(make_probability_bars(classification.probabilities))
