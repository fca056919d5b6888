"""Process-wide settings of the Streamlit server that keep a stroke's prediction quick and whole; applied once."""

import gc
import time

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


# A rerun waits at most this long for the previous run's last messages (they normally take milliseconds).
DEFERRED_RERUN_LIMIT_SECONDS = 5.0


def deliver_each_run_before_the_next(app_session_class, shutdown_event, session_closing_state) -> None:
    """Start a session's next script run only after the previous run's messages have all gone out.

    Works around a Streamlit race (1.67) that lost a fragment's output under load. When a run ends, its
    ScriptRunner stops, but its last messages (the rest of the fragment's elements, its "finished" message) still
    wait on the server's event loop. A rerun request arriving in that window, typically the sidebar's progress
    fragment, which reruns every second while a job trains, made Streamlit start a new ScriptRunner at once; the
    old runner's waiting messages were then ignored as coming from a "non-current" runner (see the comment in
    AppSession.request_rerun). The browser kept the previous drawing's result, or no result for a new stroke.
    Here such a request waits until the old runner has delivered everything (its SHUTDOWN event).
    """
    if getattr(app_session_class, "delivers_each_run_before_the_next", False):
        return
    create_runner = app_session_class._create_scriptrunner
    handle_event = app_session_class._handle_scriptrunner_event_on_event_loop

    def create_scriptrunner(self, initial_rerun_data) -> None:
        """Start a runner now, or, while the finished one still delivers its messages, once it has."""
        waiting = self.__dict__.setdefault("_reruns_waiting", [])
        if self._scriptrunner is None:  # nothing running, or a run stopped for a full rerun that replaces it
            waiting.clear()
            create_runner(self, initial_rerun_data)
            return
        if waiting and time.monotonic() - self._reruns_waiting_since > DEFERRED_RERUN_LIMIT_SECONDS:
            waiting.clear()  # the old runner never reported its end: do what Streamlit does
            create_runner(self, initial_rerun_data)
            return
        if not waiting:
            self._reruns_waiting_since = time.monotonic()
        waiting.append(initial_rerun_data)

    def handle_scriptrunner_event(self, sender, event, *args, **kwargs) -> None:
        """Streamlit's handling, then the reruns that waited for this runner's end."""
        handle_event(self, sender, event, *args, **kwargs)
        waiting = self.__dict__.get("_reruns_waiting")
        if event != shutdown_event or not waiting or self._scriptrunner is not None:
            return
        if self._state == session_closing_state:
            waiting.clear()
            return
        first, *rest = waiting
        waiting.clear()
        create_runner(self, first)
        for rerun_data in rest:  # the new runner merges them, as it merges any reruns that arrive while it runs
            if self._scriptrunner is not None:
                self._scriptrunner.request_rerun(rerun_data)

    app_session_class._create_scriptrunner = create_scriptrunner
    app_session_class._handle_scriptrunner_event_on_event_loop = handle_scriptrunner_event
    app_session_class.delivers_each_run_before_the_next = True


def configure_server_process() -> None:
    """Apply the settings above once per process (app.py runs on every rerun)."""
    from streamlit.runtime.app_session import AppSession, AppSessionState
    from streamlit.runtime.scriptrunner import ScriptRunnerEvent

    keep_compiled_kernels_between_runs()
    deliver_each_run_before_the_next(AppSession, ScriptRunnerEvent.SHUTDOWN, AppSessionState.SHUTDOWN_REQUESTED)
    # A flag, not gc.get_freeze_count(): that walks the ~400,000 frozen objects (tens of ms on every page run).
    if not getattr(freeze_startup_objects, "done", False):
        freeze_startup_objects()
        freeze_startup_objects.done = True
