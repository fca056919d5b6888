"""A Streamlit client that is not a browser: it speaks the app's websocket protocol and draws like a student.

A browser tab opens `/_stcore/stream`, sends `BackMsg.rerun_script` (with the widget states) and reads
`ForwardMsg`s (the page's deltas) until `script_finished`. This module does the same with the `websockets`
package, so that one process can play many students: each draws a digit (the canvas component's value a real
stroke produces: the Fabric.js drawing and a PNG data URL, as recorded from Chromium), waits for the
Prediction, clears the canvas, and repeats at a human pace. It talks to 127.0.0.1 only and stops by itself.
"""

import asyncio
import random
import time
from dataclasses import dataclass, field
from urllib.parse import urlparse

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from benchmarks.balancer_cookie import fetch_page_cookies
from benchmarks.canvas_values import EMPTY_CANVAS_VALUE, render_known_drawings

# The Draw page's canvas widget (pages/draw.py).
CANVAS_KEY = "digit_canvas"
# The metric that shows the network's answer.
PREDICTION_LABEL = "Prediction"
# Hosts this client will talk to: the benchmark only loads a server on this machine.
ALLOWED_HOSTS = ("127.0.0.1", "localhost")
# What the browser sends as its context (Chromium in the tests: UTC, en-US, light theme).
CONTEXT = {"timezone": "UTC", "timezone_offset": 0, "locale": "en-US", "is_embedded": False,
           "color_scheme": "light"}

def find_widget_id(element) -> str | None:
    """The widget id of a new element (its one-of message's `id` field), or None for a non-widget."""
    kind = element.WhichOneof("type")
    if kind is None:
        return None
    widget = getattr(element, kind)
    return getattr(widget, "id", None) or None


@dataclass
class RunRecord:
    """What one script run sent back: elements by kind, the Prediction, errors, and when it finished."""

    fragment_ids: tuple = ()
    elements: list = field(default_factory=list)  # the kinds of the elements sent, in order
    prediction: str | None = None
    errors: list = field(default_factory=list)
    status: int | None = None                     # its ForwardMsg.ScriptFinishedStatus
    started_at: float | None = None               # when its new_session message came
    finished_at: float | None = None


class StudentSession:
    """One browser-like session of the app: send reruns, follow the deltas, remember widget ids and fragments."""

    def __init__(self, url: str, timeout: float = 60.0, cookie: str = ""):
        parsed = urlparse(url)
        if parsed.hostname not in ALLOWED_HOSTS:
            raise ValueError(f"this load client only talks to a server on this machine, not {parsed.hostname!r}")
        self.url = url.rstrip("/") + "/"
        self.stream_url = f"ws://{parsed.netloc}/_stcore/stream"
        self.timeout = timeout
        self.cookie = cookie                      # sent with the websocket (e.g. "SERVERID=r2" to pick a replica)
        self.connection = None
        self.reader = None
        self.page_script_hash = ""
        self.page_name = ""
        self.widget_ids: dict[str, str] = {}      # widget key -> id ("$$ID-<hash>-<key>")
        self.widget_fragments: dict[str, str] = {}  # widget key -> id of the fragment it is drawn in
        self.widget_states: dict[str, object] = {}  # widget id -> WidgetState the session sends
        self.auto_reruns: dict[str, asyncio.Task] = {}
        self.forward_kinds: list[str] = []        # every ForwardMsg kind received, in order (for comparison)
        self.prediction: str | None = None        # the Prediction metric currently on the page
        self.prediction_event = asyncio.Event()
        self.finished = asyncio.Condition()
        self.runs: list[RunRecord] = [RunRecord()]
        self.errors: list[str] = []
        self.stroke_sent_at = 0.0  # when the last stroke was sent (its run starts after that)
        self.closed = False

    async def open(self, page_name: str = "") -> RunRecord:
        """Connect and run a page once (by its URL path; '' for the default page), as a browser does on load."""
        from websockets.asyncio.client import connect

        self.cookie = await asyncio.to_thread(fetch_page_cookies, self.url, self.cookie)
        self.connection = await connect(self.stream_url, subprotocols=["streamlit"], max_size=None,
                                        open_timeout=self.timeout, compression=None, proxy=None,
                                        additional_headers={"Cookie": self.cookie} if self.cookie else None)
        self.reader = asyncio.create_task(self.read_messages())
        self.page_name = page_name
        record = await self.run_and_wait(fragment_id="")
        self.page_name = ""  # later reruns name the page by its script hash, as the browser does
        return record

    async def close(self) -> None:
        """Stop the auto-reruns and disconnect."""
        self.closed = True
        for task in self.auto_reruns.values():
            task.cancel()
        if self.connection is not None:
            await self.connection.close()
        if self.reader is not None:
            await asyncio.gather(self.reader, return_exceptions=True)

    def make_rerun_message(self, fragment_id: str, is_auto_rerun: bool = False) -> bytes:
        """A BackMsg.rerun_script with the session's widget states, for the whole page or one fragment."""
        message = BackMsg()
        rerun = message.rerun_script
        rerun.widget_states.widgets.extend(self.widget_states.values())
        rerun.page_script_hash = self.page_script_hash
        rerun.page_name = self.page_name
        rerun.fragment_id = fragment_id
        rerun.is_auto_rerun = is_auto_rerun
        for name, value in {**CONTEXT, "url": self.url}.items():
            setattr(rerun.context_info, name, value)
        return message.SerializeToString()

    async def send_rerun(self, fragment_id: str = "", is_auto_rerun: bool = False) -> float:
        """Send a rerun; return when it was sent (the run that answers it starts after that)."""
        if not fragment_id and not is_auto_rerun:
            self.stop_auto_reruns()  # a full run registers its auto-rerunning fragments again
        sent_at = time.perf_counter()
        await self.connection.send(self.make_rerun_message(fragment_id, is_auto_rerun))
        return sent_at

    async def run_and_wait(self, fragment_id: str = "") -> RunRecord:
        """Send a rerun and wait until a run that covers it has finished."""
        sent_at = await self.send_rerun(fragment_id)
        return await self.wait_for_finished_run(sent_at, fragment_id)

    def runs_started_since(self, sent_at: float) -> list:
        """The runs that started after a request was sent (a run already going cannot answer it)."""
        return [record for record in self.runs if record.started_at is not None and record.started_at >= sent_at]

    async def wait_for_finished_run(self, sent_at: float, fragment_id: str = "") -> RunRecord:
        """The first run started after `sent_at` and finished that was a full run or ran this fragment."""
        def covering_run():
            for record in self.runs_started_since(sent_at):
                if record.finished_at is not None and (not record.fragment_ids or fragment_id in record.fragment_ids):
                    return record
            return None

        try:
            async with self.finished:
                await asyncio.wait_for(self.finished.wait_for(lambda: covering_run() is not None or self.closed),
                                       self.timeout)
        except asyncio.TimeoutError:
            recent = [(record.fragment_ids, record.finished_at is not None)
                      for record in self.runs_started_since(sent_at)]
            raise asyncio.TimeoutError(f"no finished run of fragment {fragment_id!r} within {self.timeout:.0f} s; "
                                       f"runs since the request (fragments, finished): {recent}") from None
        return covering_run()

    def set_widget(self, key: str, **value) -> None:
        """Set the state the session sends for a widget (by key), e.g. json_value=... or int_value=..."""
        from streamlit.proto.WidgetStates_pb2 import WidgetState

        widget_id = self.widget_ids.get(key)
        if widget_id is None:
            raise KeyError(f"the page has no widget with key {key!r} (seen: {sorted(self.widget_ids)})")
        state = WidgetState(id=widget_id, **value)
        self.widget_states[widget_id] = state

    async def wait_for_widget(self, key: str, timeout: float = 120.0) -> None:
        """Rerun now and then until the page shows a widget (a fresh server shows TensorFlow's parts once warm)."""
        deadline = time.monotonic() + timeout
        while key not in self.widget_ids:
            if time.monotonic() > deadline:
                raise TimeoutError(f"the page never showed the widget {key!r} within {timeout:.0f} s")
            await asyncio.sleep(0.5)
            await self.run_and_wait()

    def fragment_of(self, key: str) -> str:
        """The id of the fragment that draws a widget ('' when it is drawn by the whole page)."""
        return self.widget_fragments.get(key, "")

    async def read_messages(self) -> None:
        """Follow every ForwardMsg until the connection closes."""
        try:
            async for payload in self.connection:
                message = ForwardMsg()
                message.ParseFromString(payload)
                await self.handle_message(message)
        except Exception as error:  # a dropped connection is an error the benchmark reports
            if not self.closed:
                self.errors.append(f"connection: {type(error).__name__}: {error}")
        finally:
            async with self.finished:
                self.closed = True
                self.finished.notify_all()

    async def handle_message(self, message: ForwardMsg) -> None:
        """Update what the session knows from one ForwardMsg."""
        kind = message.WhichOneof("type")
        self.forward_kinds.append(kind)
        if kind == "new_session":  # a run starts: its messages follow, up to its script_finished
            self.runs[-1].started_at = time.perf_counter()
        elif kind == "navigation":  # the page being shown (st.navigation), which reruns name
            self.page_script_hash = message.navigation.page_script_hash
        elif kind == "delta":
            self.handle_delta(message.delta)
        elif kind == "script_finished":
            async with self.finished:
                record = self.runs[-1]
                record.fragment_ids = tuple(message.metadata.run.fragment_ids)
                status = message.script_finished
                if status == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
                    record.errors.append("the script did not compile")
                    self.errors.append(record.errors[-1])
                # FINISHED_EARLY_FOR_RERUN also marks a run whose messages were all sent when the next run
                # started (Streamlit rewrites its status then): its output arrived, so it counts as finished.
                record.status = status
                record.finished_at = time.perf_counter()
                self.runs.append(RunRecord())
                self.finished.notify_all()
        elif kind == "auto_rerun":
            self.start_auto_rerun(message.auto_rerun.fragment_id, message.auto_rerun.interval)
        elif kind == "stop_auto_rerun":
            for fragment_id in message.stop_auto_rerun.fragment_ids:
                task = self.auto_reruns.pop(fragment_id, None)
                if task is not None:
                    task.cancel()

    def handle_delta(self, delta) -> None:
        """Note widget ids and fragments, the Prediction metric, and any exception shown."""
        if delta.WhichOneof("type") != "new_element":
            return
        element = delta.new_element
        kind = element.WhichOneof("type")
        self.runs[-1].elements.append(kind)
        widget_id = find_widget_id(element)
        if widget_id is not None and widget_id.startswith("$$ID-"):
            key = widget_id.split("-", 2)[2]
            self.widget_ids[key] = widget_id
            self.widget_fragments[key] = delta.fragment_id
        if kind == "metric" and element.metric.label == PREDICTION_LABEL:
            self.prediction = element.metric.body
            self.runs[-1].prediction = element.metric.body
            self.prediction_event.set()
        elif kind == "exception":
            text = f"{element.exception.type}: {element.exception.message}"
            self.runs[-1].errors.append(text)
            self.errors.append(text)

    def start_auto_rerun(self, fragment_id: str, interval: float) -> None:
        """Rerun a fragment every `interval` seconds, as the browser does for `st.fragment(run_every=...)`."""
        if fragment_id in self.auto_reruns:
            return

        async def rerun_every() -> None:
            while not self.closed:
                await asyncio.sleep(interval)
                if self.closed:
                    return
                await self.connection.send(self.make_rerun_message(fragment_id, is_auto_rerun=True))

        self.auto_reruns[fragment_id] = asyncio.create_task(rerun_every())

    def stop_auto_reruns(self) -> None:
        """Cancel every auto-rerun timer (before a full run, which starts the ones it still needs)."""
        for task in self.auto_reruns.values():
            task.cancel()
        self.auto_reruns.clear()

    async def draw(self, canvas_value: str) -> tuple[float | None, str | None]:
        """Send a drawing as the canvas does; (seconds until a Prediction was shown, its digit), or (None, None)."""
        self.set_widget(CANVAS_KEY, json_value=canvas_value)
        self.prediction = None
        self.prediction_event.clear()
        started = time.perf_counter()
        self.stroke_sent_at = await self.send_rerun(self.fragment_of(CANVAS_KEY))
        try:
            await asyncio.wait_for(self.prediction_event.wait(), self.timeout)
        except asyncio.TimeoutError:
            return None, None
        return time.perf_counter() - started, self.prediction

    async def wait_for_stroke_run(self) -> RunRecord:
        """The finished run that answered the last stroke."""
        return await self.wait_for_finished_run(self.stroke_sent_at, self.fragment_of(CANVAS_KEY))

    async def clear(self) -> float:
        """Send the emptied canvas (Clear); seconds until the run that removes the Prediction has finished."""
        self.set_widget(CANVAS_KEY, json_value=EMPTY_CANVAS_VALUE)
        started = time.perf_counter()
        sent_at = await self.send_rerun(self.fragment_of(CANVAS_KEY))
        record = await self.wait_for_finished_run(sent_at, self.fragment_of(CANVAS_KEY))
        if record is not None and record.prediction is not None:
            self.errors.append("the cleared canvas still got a Prediction")
        self.prediction = None
        return time.perf_counter() - started


@dataclass
class StudentResult:
    """One simulated student's strokes: latencies (s), answers, lost strokes, errors, Clear times (s)."""

    latencies: list = field(default_factory=list)
    answers: list = field(default_factory=list)   # (expected digit, shown digit) per stroke answered
    lost: int = 0
    errors: list = field(default_factory=list)
    clear_seconds: list = field(default_factory=list)
    connected: bool = False
    cookie: str = ""  # the cookies it sent: behind HAProxy, SERVERID names its replica


async def play_student(url: str, number: int, seconds: float, max_strokes: int, seed: int = 0,
                       drawings: dict | None = None, pause_range: tuple = (1.0, 3.0),
                       timeout: float = 60.0, class_ready=None, cookie: str = "") -> StudentResult:
    """One student: open the page, then draw, read the answer, clear and pause, until time or strokes run out.

    `class_ready`, if given, is awaited between opening the page and drawing (the class starts together); it is
    an object with `arrived()` (called once, connected or not) and `wait()`.
    """
    generator = random.Random(seed * 1000 + number)
    drawings = drawings or render_known_drawings()
    names = sorted(drawings)
    result = StudentResult()
    session = StudentSession(url, timeout, cookie)  # cookie: e.g. "SERVERID=r1" pins it to a replica behind HAProxy
    try:
        try:
            await session.open()
            result.connected, result.cookie = True, session.cookie
        finally:
            if class_ready is not None:
                class_ready.arrived()
        if class_ready is not None:
            await class_ready.wait()
        deadline = time.perf_counter() + seconds
        stroke = 0
        while stroke < max_strokes and time.perf_counter() < deadline:
            await asyncio.sleep(generator.uniform(*pause_range))  # thinking and drawing take a person a while
            expected, variants = drawings[names[(number + stroke) % len(names)]]
            waited, shown = await session.draw(variants[generator.randrange(len(variants))])
            stroke += 1
            if waited is None:
                result.lost += 1
                continue
            result.latencies.append(waited)
            result.answers.append((expected, shown))
            await asyncio.sleep(generator.uniform(0.3, 1.0))  # reading the answer
            result.clear_seconds.append(await session.clear())
    except (asyncio.TimeoutError, OSError) as error:
        result.errors.append(f"student {number}: {type(error).__name__}: {error}")
    finally:
        result.errors += session.errors
        await session.close()
    return result
