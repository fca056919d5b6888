"""Every change this app makes to a dependency's behaviour: what it changes, why, and the versions it was verified on.

The patches change Streamlit (1.67) through private names, so they are applied only when the installed Streamlit
is a verified minor version (requirements.txt pins it); on any other version the app runs without them and logs a
warning. `ui/runtime.py` applies them once, in the Streamlit server process only (never in a test's AppTest):
1, 2, 4 and 5 from app.py, 3 on the first import of the `ui` package (every page imports it; app.py may not have
run).

1. `keep_keras_state_between_runs`: after every script run Streamlit calls `keras.backend.clear_session()`
   (`_clean_problem_modules` in `streamlit/runtime/scriptrunner/script_runner.py`, added for apps that build Keras
   models inside the script, streamlit/streamlit#939). It empties TensorFlow's kernel cache, so every stroke
   re-optimised the cached model's graph: about 30 ms per compiled function, on every run (benchmarks/bench_draw.py).
   This app builds no model in the script (models are `st.cache_resource` values), so the patched cleanup only
   closes pyplot's figures, as Streamlit's does. Keras itself is left alone: `clear_session()` still works.
2. `deliver_each_run_before_the_next`: a race lost a fragment's output under load. When a run ends its ScriptRunner
   stops, but its last messages (the rest of the fragment's elements, its "finished" message) still wait on the
   server's event loop. A rerun request arriving in that window (typically the sidebar's progress fragment, which
   reruns every second while a job trains) is refused by the stopped runner, and AppSession starts a new
   ScriptRunner at once (behaviour introduced by streamlit/streamlit#4557); the old runner's waiting messages are
   then dropped as coming from a "non-current" runner (see the comment in `AppSession.request_rerun`). The browser
   kept the previous drawing's result, or none for a new stroke. The closest upstream report is
   streamlit/streamlit#9188 (fragment elements vanish after two quick reruns; made frequent by delaying
   `AppSession._handle_scriptrunner_event_on_event_loop`); no open issue for this exact race in 1.67 was found.
   Here such a request waits until the old runner has delivered everything (its SHUTDOWN event).
3. `leave_pages_directory_mode`: a server whose first request is a page's URL (`/feature_maps?layer=conv2`, as
   the address bar keeps it) ran that page file alone, without app.py: no link applied, no sidebar, a menu of
   file names. Because this app's pages live in `pages/`, Streamlit starts in its old pages-directory mode
   (`PagesManager.uses_pages_directory`, set when the first session starts; `_mpa_v1` in
   `streamlit/runtime/scriptrunner/script_runner.py` then runs the file the URL names), and leaves it only when a
   run calls `st.navigation`, which app.py does only when it runs: a root URL first. Upstream:
   streamlit/streamlit#9624 (deep links on first load, closed as not reproduced, without a `pages/` folder). Here
   the mode is left at once and that first request is rerun, now through app.py.
4. `ignore_clients_clear_cache`: any browser may send the `clear_cache` BackMsg (the menu's "Clear cache", or a
   script speaking the websocket protocol), and `AppSession._handle_clear_cache_request`
   (`streamlit/runtime/app_session.py`, reached from `handle_backmsg`) then empties every `st.cache_data` and
   `st.cache_resource` of the server, for all sessions: the models, MNIST and the compiled forward functions are
   rebuilt. Twenty such messages a second made every visitor's page ten times slower. Upstream it is by design
   (the cache is global, as the method's docstring says). Here the request is ignored (and logged once per session)
   unless `global.developmentMode` is on, where Streamlit's own method still runs.
5. `cap_uploads_per_session`: the upload endpoint (`_upload_put` in
   `streamlit/web/server/starlette/starlette_routes.py`) stores every PUT in `MemoryUploadedFileManager.add_file`
   (`streamlit/runtime/memory_uploaded_file_manager.py`), for as long as the session lives (and two minutes after
   its socket closes): 150 PUTs of 5 MB held 750 MB. Only the file uploader's own delete requests free them, and a
   script sends none. Here `add_file` keeps at most `config.MAX_UPLOADED_FILES_PER_SESSION` files and
   `config.MAX_UPLOADED_BYTES_PER_SESSION` bytes per session by dropping that session's OLDEST files (its newest is
   always kept: a student's current upload works, and each of this app's uploaders holds one file), and refuses a
   new file with HTTP 503 when all sessions together would hold more than `config.MAX_UPLOADED_BYTES_HELD`.

The canvas (streamlit-drawable-canvas 0.13) is not patched: `ui/draw/canvas_controls.py` presses its own toolbar buttons
from the browser, and its docstring says what happens on another canvas version.
"""

import functools
import importlib.metadata
import logging
import sys
import time

from mnist_cnn import config

logger = logging.getLogger(__name__)

# The Streamlit minor versions the patches were read against and tested with (keep requirements.txt in step).
VERIFIED_STREAMLIT_VERSIONS = ("1.67",)
# A rerun waits at most this long for the previous run's last messages (they normally take milliseconds).
DEFERRED_RERUN_LIMIT_SECONDS = 5.0


def is_verified_version(package: str, verified_versions: tuple[str, ...]) -> bool:
    """Whether the installed `package`'s major.minor version is one of `verified_versions` (e.g. "1.67")."""
    installed = importlib.metadata.version(package)
    return ".".join(installed.split(".")[:2]) in verified_versions


@functools.cache
def warn_unverified_version(package: str, installed: str) -> None:
    """Log, once per process and version, that the patches were skipped."""
    logger.warning("%s %s is not a version ui/patches.py was verified with (%s): running without its patches, so "
                   "strokes re-optimise the model's graph, a fragment's output can be lost under load, any browser "
                   "can clear the server's caches and uploads held in memory are not capped.",
                   package, installed, ", ".join(VERIFIED_STREAMLIT_VERSIONS))


def close_figures_only() -> None:
    """Streamlit's after-run cleanup without its `keras.backend.clear_session()`: close pyplot's figures."""
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None:
        pyplot.close("all")


close_figures_only.keeps_keras_state = True


def keep_keras_state_between_runs(script_runner_module) -> None:
    """Replace Streamlit's after-run `_clean_problem_modules` with `close_figures_only` (patch 1 above)."""
    script_runner_module._clean_problem_modules = close_figures_only


def deliver_each_run_before_the_next(app_session_class, shutdown_event, session_closing_state) -> None:
    """Start a session's next script run only after the previous run's messages have all gone out (patch 2 above)."""
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


def leave_pages_directory_mode(pages_manager_class) -> bool:
    """Make app.py's `st.navigation` the only navigation (patch 3 above); True when the server was in the old mode."""
    if not pages_manager_class.uses_pages_directory:
        return False
    pages_manager_class.uses_pages_directory = False
    return True


def ignore_clients_clear_cache(app_session_class) -> None:
    """Let a browser's `clear_cache` request clear the server's caches only in development mode (patch 4 above)."""
    if getattr(app_session_class, "ignores_clients_clear_cache", False):
        return
    clear_caches = app_session_class._handle_clear_cache_request

    def handle_clear_cache_request(self) -> None:
        """Streamlit's cache clearing in development mode; otherwise nothing (logged once per session)."""
        from streamlit import config as streamlit_config

        if streamlit_config.get_option("global.developmentMode"):
            clear_caches(self)
            return
        if not self.__dict__.get("_clear_cache_refused"):
            self._clear_cache_refused = True
            logger.warning("A browser asked to clear every cache of the server (session %s): ignored outside "
                           "development mode.", getattr(self, "id", "?"))

    app_session_class._handle_clear_cache_request = handle_clear_cache_request
    app_session_class.ignores_clients_clear_cache = True


def find_files_to_drop(files: dict, keep_id: str, max_files: int, max_bytes: int) -> list[str]:
    """The ids of the oldest files (dict order) to drop so that at most max_files and max_bytes stay; never keep_id."""
    count, size = len(files), sum(len(file.data) for file in files.values())
    dropped = []
    for file_id, file in list(files.items()):
        if count <= max_files and size <= max_bytes:
            break
        if file_id == keep_id:
            continue
        dropped.append(file_id)
        count, size = count - 1, size - len(file.data)
    return dropped


def cap_uploads_per_session(manager_class, max_files: int, max_bytes: int, max_total_bytes: int) -> None:
    """Bound what the upload manager holds per session and in all (patch 5 above)."""
    if getattr(manager_class, "caps_uploads_per_session", False):
        return
    add_file = manager_class.add_file

    def add_file_within_caps(self, session_id: str, file) -> None:
        """Refuse the file when the server holds too much; add it; drop the session's oldest files past its caps."""
        from starlette.exceptions import HTTPException

        with self._lock:
            replaced = self.file_storage.get(session_id, {}).get(file.file_id)
            held = self._total_bytes - (len(replaced.data) if replaced is not None else 0)
        if held + len(file.data) > max_total_bytes:
            logger.warning("Upload refused: the server already holds %d bytes of uploads.", held)
            raise HTTPException(status_code=503, detail="The server holds too many uploads right now: try again "
                                                        "in a few minutes.")
        add_file(self, session_id, file)
        with self._lock:
            dropped = find_files_to_drop(dict(self.file_storage.get(session_id, {})), file.file_id, max_files,
                                         max_bytes)
        for file_id in dropped:
            self.remove_file(session_id, file_id)

    manager_class.add_file = add_file_within_caps
    manager_class.caps_uploads_per_session = True


def apply_patches() -> bool:
    """Apply patches 1, 2, 4 and 5 (idempotent), or, on a Streamlit version not verified, none with a warning."""
    if not is_verified_version("streamlit", VERIFIED_STREAMLIT_VERSIONS):
        warn_unverified_version("streamlit", importlib.metadata.version("streamlit"))
        return False
    from streamlit.runtime.app_session import AppSession, AppSessionState
    from streamlit.runtime.memory_uploaded_file_manager import MemoryUploadedFileManager
    from streamlit.runtime.scriptrunner import ScriptRunnerEvent, script_runner

    keep_keras_state_between_runs(script_runner)
    deliver_each_run_before_the_next(AppSession, ScriptRunnerEvent.SHUTDOWN, AppSessionState.SHUTDOWN_REQUESTED)
    ignore_clients_clear_cache(AppSession)
    cap_uploads_per_session(MemoryUploadedFileManager, config.MAX_UPLOADED_FILES_PER_SESSION,
                            config.MAX_UPLOADED_BYTES_PER_SESSION, config.MAX_UPLOADED_BYTES_HELD)
    return True
