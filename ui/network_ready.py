"""Whether TensorFlow and the default model are warm yet, and what a page shows in their place until they are."""

import os
import threading

import streamlit as st

from ui.runtime import is_streamlit_server

# Test hook: "1" holds the background warm-up back (TensorFlow is never imported by it), so that a test sees the
# page exactly as a visitor does in the seconds before TensorFlow is ready.
HOLD_VARIABLE = "MNIST_CNN_HOLD_WARMUP"
# How often a page showing the placeholder checks whether the network is ready (then it reruns itself).
READY_POLL_SECONDS = 1.0
WARMING_UP_TEXT = "Warming up the network…"

NETWORK_READY = threading.Event()  # set by ui/warmup.py once TensorFlow, the model and its first pass are done


def is_warm_up_held() -> bool:
    """Whether the test hook MNIST_CNN_HOLD_WARMUP=1 holds the warm-up back."""
    return os.environ.get(HOLD_VARIABLE) == "1"


def is_network_ready() -> bool:
    """Whether pages may use TensorFlow now without waiting for it.

    True once the warm-up is done; outside a `streamlit run` server (AppTest, the CLI) always, unless held: there
    nothing else loads TensorFlow and the page loads it itself, as it always did.
    """
    if NETWORK_READY.is_set():
        return True
    return not is_warm_up_held() and not is_streamlit_server()


def mark_network_ready() -> None:
    """Tell every page that TensorFlow may be used now (the warm-up is over, whether or not it succeeded)."""
    NETWORK_READY.set()


@st.fragment(run_every=READY_POLL_SECONDS)
def rerun_when_network_ready() -> None:
    """Rerun the whole app once the network is ready, so that the placeholders fill in (shows nothing)."""
    if NETWORK_READY.is_set():
        st.rerun(scope="app")


def show_warming_up(what: str = "") -> None:
    """The short placeholder of a part that needs TensorFlow; the page reruns itself when the network is ready."""
    st.info(f"{WARMING_UP_TEXT} {what}".strip(), icon=":material/hourglass_top:")
    rerun_when_network_ready()
