"""Process-wide settings of the Streamlit server that keep a stroke's prediction quick; applied once."""

import gc

import keras


def keep_compiled_kernels_between_runs() -> None:
    """Stop Streamlit's after-run `keras.backend.clear_session()` from emptying TensorFlow's kernel cache.

    Streamlit calls it after every script run, for apps that build models inside the script. This app builds
    none there (models are `st.cache_resource` values), and with the cache emptied every stroke re-optimised
    the model's graph: about 30 ms per compiled function, on every run (see benchmarks/bench_draw.py).
    """
    if getattr(keras.backend.clear_session, "keeps_kernels", False):
        return

    def clear_session_keeping_kernels(*args, **kwargs) -> None:
        """Do nothing: the cached models and their compiled functions stay valid between runs."""

    clear_session_keeping_kernels.keeps_kernels = True
    keras.backend.clear_session = clear_session_keeping_kernels


def freeze_startup_objects() -> None:
    """Move everything imported so far out of the garbage collector's reach (it lives as long as the process).

    TensorFlow, Keras and Streamlit leave ~400,000 long-lived objects; a full collection walking them took
    ~175 ms of held interpreter lock, pausing every visitor's session.
    """
    gc.collect()
    gc.freeze()


def configure_server_process() -> None:
    """Apply the settings above once per process (app.py runs on every rerun)."""
    keep_compiled_kernels_between_runs()
    if not gc.get_freeze_count():
        freeze_startup_objects()
