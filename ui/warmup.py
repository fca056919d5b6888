"""Work done once per server, in the background, when the app first runs: TensorFlow imported, the default model
loaded and compiled (then the pages may use it: ui/network_ready.py) and its test-set evaluation cached.

The first page is shown before any of this is done; strokes are answered meanwhile by the NumPy forward pass."""

import logging
import threading

import numpy as np

from ui.network_ready import is_warm_up_held, mark_network_ready
from ui.runtime import freeze_startup_objects, is_streamlit_server

_LOGGER = logging.getLogger(__name__)
_START_LOCK = threading.Lock()
_started = False
THREAD_NAME = "mnist-cnn-warm-up"
# The warm-up waits until app.py's first run is over (release_warm_up), at most this long: importing TensorFlow
# meanwhile would slow that run down (the same cores, the same interpreter lock) and the canvas would show later.
FIRST_RUN_WAIT_SECONDS = 10.0
FIRST_RUN_OVER = threading.Event()


class HideMissingContextWarning(logging.Filter):
    """Drop Streamlit's "missing ScriptRunContext" warning for the warm-up thread (it runs no script, on purpose)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.threadName == THREAD_NAME and "missing ScriptRunContext" in record.getMessage())


def warm_up_default_model() -> None:
    """Import TensorFlow, load the default model and run it once (then pages may use it); evaluate it (cached)."""
    from mnist_cnn import config
    from mnist_cnn.model.inference import classify  # imports TensorFlow and Keras (~6 s on 2 cores)
    from ui.state import evaluate_model_cached, file_hash, get_store, load_model_cached

    stored = {model.name: model for model in get_store().list_models()}.get(config.DEFAULT_MODEL_NAME)
    if stored is None:
        return
    model_path, content_hash = str(stored.model_path), file_hash(stored)
    classify(load_model_cached(model_path, content_hash), np.zeros((28, 28), np.float32))  # (28, 28) blank
    mark_network_ready()  # the model is in the cache pages read, compiled and calibrated
    evaluate_model_cached(model_path, content_hash)


def run_warm_up() -> None:
    """warm_up_default_model once the first page is out, logging instead of raising (pages then do the work)."""
    FIRST_RUN_OVER.wait(FIRST_RUN_WAIT_SECONDS)
    try:
        warm_up_default_model()
    except Exception:  # noqa: BLE001 (a background convenience must never take the server down)
        _LOGGER.exception("Warming up the default model failed; pages will load it on first use.")
    finally:
        mark_network_ready()
    if is_streamlit_server():
        freeze_startup_objects()  # TensorFlow's and Keras's long-lived objects, imported only now (ui/runtime.py)


def start_warm_up() -> None:
    """Start the warm-up in a background thread, once per server process (never while the test hook holds it)."""
    global _started
    with _START_LOCK:
        if _started or is_warm_up_held():
            return
        _started = True
    logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context").addFilter(
        HideMissingContextWarning())
    threading.Thread(target=run_warm_up, name=THREAD_NAME, daemon=True).start()


def release_warm_up() -> None:
    """Let the warm-up begin: app.py's first run has sent its page (called at the end of every run; cheap)."""
    FIRST_RUN_OVER.set()
