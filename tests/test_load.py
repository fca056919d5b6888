"""Load checks: two browser sessions drawing at once, and the protocol client the load benchmark uses
(benchmarks/streamlit_client.py) against the running app, compared with what Chromium sends and receives."""

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor

import pytest
from playwright.sync_api import expect
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from benchmarks import canvas_values
from benchmarks import streamlit_client as client
from benchmarks.bench_load import run_load

pytestmark = pytest.mark.browser

def run_in_own_thread(coroutine):
    """Run a coroutine in a thread of its own: the sync Playwright fixtures keep an event loop in this one."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def test_two_sessions_drawing_at_once_all_get_predictions_and_no_errors(app_server):
    outcome = run_in_own_thread(run_load(app_server, sessions=2, drawings=3, with_training=False))
    for session in outcome["sessions"]:
        assert session["lost"] == 0 and session["errors"] == 0 and session["lost_clear_clicks"] == 0
        assert len(session["latencies"]) == 3 and len(session["clear_seconds"]) == 2
        assert None not in session["clear_seconds"]  # every Clear was shown


def test_two_protocol_students_get_the_right_digits_and_no_errors(app_server):
    drawings = {name: canvas_values.render_known_drawings()[name] for name in ("one", "zero")}

    async def two_students():
        return await asyncio.gather(*(client.play_student(app_server, number, seconds=60, max_strokes=2,
                                                          drawings={name: drawings[name]},
                                                          pause_range=(0.1, 0.3))
                                      for number, name in enumerate(drawings)))

    results = run_in_own_thread(two_students())
    assert [result.answers for result in results] == [[(1, "1"), (1, "1")], [(0, "0"), (0, "0")]]
    for result in results:
        assert result.connected and result.lost == 0 and result.errors == []
        assert len(result.clear_seconds) == 2


def decode_frames(frames: list) -> list:
    """(direction, message) for websocket frames recorded by Playwright, decoded as BackMsg or ForwardMsg."""
    decoded = []
    for direction, payload in frames:
        message = BackMsg() if direction == "sent" else ForwardMsg()
        message.ParseFromString(payload if isinstance(payload, bytes) else payload.encode("latin-1"))
        decoded.append((direction, message))
    return decoded


def find_canvas_state(message: BackMsg):
    """The canvas widget's state in a rerun message, or None."""
    return next((state for state in message.rerun_script.widget_states.widgets
                 if state.id.endswith("-digit_canvas")), None)


def stroke_run_elements(decoded: list) -> tuple:
    """The browser's stroke message, and the element kinds of the run it caused (None until it has finished)."""
    index, stroke = next((index, message) for index, (direction, message) in enumerate(decoded)
                         if direction == "sent" and find_canvas_state(message) is not None
                         and json.loads(find_canvas_state(message).json_value)["drawing"]["raw"]["objects"])
    elements = []
    for direction, message in decoded[index + 1:]:
        if direction != "received":
            continue
        if message.WhichOneof("type") == "delta" and message.delta.WhichOneof("type") == "new_element":
            elements.append(message.delta.new_element.WhichOneof("type"))
        if message.WhichOneof("type") == "script_finished" and list(message.metadata.run.fragment_ids) == [
                stroke.rerun_script.fragment_id]:
            return stroke, elements
    return stroke, None


def test_protocol_client_sends_and_receives_what_the_browser_does(app_server, page):
    """The same stroke from Chromium and from the client: same message, same answer, same elements back."""
    frames = []
    page.on("websocket", lambda socket: (
        socket.on("framesent", lambda payload: frames.append(("sent", payload))),
        socket.on("framereceived", lambda payload: frames.append(("received", payload)))))
    page.goto(app_server)
    canvas = page.locator("canvas").first
    canvas.wait_for(timeout=90_000)
    box = canvas.bounding_box()
    stroke = canvas_values.KNOWN_DRAWINGS["one"][1][0]  # canvas pixels; the canvas is shown at its own size
    page.mouse.move(box["x"] + stroke[0][0], box["y"] + stroke[0][1])
    page.mouse.down()
    page.mouse.move(box["x"] + stroke[-1][0], box["y"] + stroke[-1][1], steps=20)
    page.mouse.up()
    prediction = page.get_by_test_id("stMetric").filter(has_text="Prediction")
    expect(prediction).to_be_visible(timeout=30_000)
    browser_digit = prediction.get_by_test_id("stMetricValue").inner_text()
    for _ in range(300):  # Playwright reports frames as the page receives them: wait for the run's end
        browser_stroke, browser_elements = stroke_run_elements(decode_frames(frames))
        if browser_elements is not None:
            break
        page.wait_for_timeout(100)
    browser_value = find_canvas_state(browser_stroke).json_value

    async def replay():
        session = client.StudentSession(app_server)
        await session.open()
        try:
            sent_key = session.widget_ids[client.CANVAS_KEY]
            fragment = session.fragment_of(client.CANVAS_KEY)
            replayed = await session.draw(browser_value)  # Chromium's own drawing, through the client
            record = await session.wait_for_stroke_run()
            await session.clear()
            rendered = await session.draw(canvas_values.make_canvas_value([stroke]))  # the client's rendering of it
            return sent_key, fragment, session.page_script_hash, replayed, record.elements, rendered, session.errors
        finally:
            await session.close()

    sent_key, fragment, page_hash, replayed, client_elements, rendered, errors = run_in_own_thread(replay())
    assert browser_digit == "1"
    assert (sent_key, fragment, page_hash) == (find_canvas_state(browser_stroke).id,
                                               browser_stroke.rerun_script.fragment_id,
                                               browser_stroke.rerun_script.page_script_hash)
    assert replayed[1] == rendered[1] == browser_digit
    assert client_elements == browser_elements and "metric" in client_elements
    assert errors == []
