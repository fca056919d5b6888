"""Load benchmark: several browser sessions each draw digits at once, while a training job runs on the server."""

import asyncio
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path


from benchmarks.bench_draw import CANVAS_MOUNT_WAIT_MS, RECORD_POINTER_UP_JS, WAIT_FOR_PREDICTION_JS
from playwright.async_api import TimeoutError as PlaywrightTimeoutError

from tests.support.browser import CHROMIUM_ARGS, CHROMIUM_PATH

from tests.support.server import copy_bundled_models, start_streamlit

# The classroom: this many browser sessions, each drawing this many digits, while a training job runs.
SESSIONS = 10
DRAWINGS_PER_SESSION = 20
PREDICTION_TIMEOUT_MS = 60_000
PAGE_LOAD_TIMEOUT_MS = 240_000   # ten tabs opening at once on 2 cores, next to a training job
ARRIVAL_SECONDS = 2.0            # visitors arrive this far apart, as a class does
TRAINING_EPOCHS = 20             # long enough that training runs for the whole load (it is cancelled after)
CLEAR_ATTEMPTS, CLEAR_TIMEOUT_MS = 5, 15_000  # a Clear click that left the ink is repeated (and counted)
MEMORY_SAMPLE_SECONDS = 1.0      # how often the server's and the worker's memory are read


def read_peak_memory_mb(pid: int) -> float:
    """Peak resident memory (VmHWM) of a process, in MB, or 0 if it is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0
    match = re.search(r"VmHWM:\s+(\d+) kB", status)
    return int(match.group(1)) / 1024 if match else 0.0


def find_children(pid: int) -> list[int]:
    """The direct child processes of pid (the training worker, for the server)."""
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            children.append(int(stat.parent.name))
    return children


async def find_canvas_box(page) -> dict:
    """The canvas's bounding box once it is mounted and still."""
    previous = None
    for _ in range(400):
        box = await page.locator("canvas").first.bounding_box()
        if box is not None and box == previous:
            return box
        previous = box
        await page.wait_for_timeout(150)
    raise RuntimeError("the canvas did not appear")


async def draw_stroke(page, box: dict, offset: float) -> None:
    """A vertical stroke down the canvas (a '1')."""
    x = box["x"] + box["width"] * (0.45 + offset)
    await page.mouse.move(x, box["y"] + box["height"] * 0.15)
    await page.mouse.down()
    await page.mouse.move(x + 4, box["y"] + box["height"] * 0.85, steps=20)
    await page.mouse.up()


def log(message: str) -> None:
    """A progress line on stderr, so that a slow run shows where it is."""
    print(f"[load {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


async def run_session(browser, url: str, drawings: int, delay: float = 0.0, number: int = 0) -> dict:
    """One visitor: open the app, draw `drawings` digits (clearing in between), time each prediction."""
    await asyncio.sleep(delay)
    context = await browser.new_context(viewport={"width": 1400, "height": 1000})
    page = await context.new_page()
    page.set_default_timeout(PREDICTION_TIMEOUT_MS)
    latencies, clear_seconds, lost, lost_clear_clicks = [], [], 0, 0
    await page.goto(url, timeout=PAGE_LOAD_TIMEOUT_MS)
    await page.locator("canvas").first.wait_for(timeout=PAGE_LOAD_TIMEOUT_MS)
    await page.evaluate(RECORD_POINTER_UP_JS)
    log(f"session {number}: page ready")
    prediction = page.get_by_test_id("stMetric").filter(has_text="Prediction")
    for drawing in range(drawings):
        if drawing:
            seconds, lost_clicks = await clear_canvas(page, prediction)
            clear_seconds.append(seconds)  # None: the cleared state was never shown
            lost_clear_clicks += lost_clicks
            await page.wait_for_timeout(CANVAS_MOUNT_WAIT_MS)  # a pause before drawing again
        await draw_stroke(page, await find_canvas_box(page), 0.02 * (drawing % 5 - 2))
        waited = await page.evaluate(WAIT_FOR_PREDICTION_JS, PREDICTION_TIMEOUT_MS)
        if waited is None:
            lost += 1
            log(f"session {number}: stroke {drawing} got no prediction; {await describe_lost_stroke(page)}")
        else:
            latencies.append(waited / 1000.0)
    errors = await page.locator('[data-testid="stException"]').count()
    log(f"session {number}: done, {len(latencies)} predictions, {lost} lost, {errors} errors, "
        f"{lost_clear_clicks} Clear clicks lost")
    await context.close()
    return {"latencies": latencies, "clear_seconds": clear_seconds, "lost": lost, "errors": errors,
            "lost_clear_clicks": lost_clear_clicks}


COUNT_INK_JS = """canvases => canvases.map(canvas => {
  try {
    const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    let ink = 0;
    for (let i = 0; i < data.length; i += 4) { if (data[i] > 128 && data[i + 3] > 128) ink++; }
    return ink;
  } catch (error) { return -1; }
})"""


async def describe_lost_stroke(page) -> str:
    """What the page shows after a stroke got no prediction: ink on each canvas layer, and the result's text.

    The canvas lives in the component's shadow root, which Playwright's locators see into (querySelector does not).
    """
    ink = await page.locator("canvas").evaluate_all(COUNT_INK_JS)
    messages = await page.get_by_test_id("stAlert").all_inner_texts()
    running = await page.get_by_test_id("stStatusWidget").count()
    return f"canvas layers with {ink} ink pixels; messages {messages}; status widget shown: {bool(running)}"


async def clear_canvas(page, prediction) -> tuple[float | None, int]:
    """Click Clear and wait until the Prediction is gone; return (seconds that took, clicks that were lost).

    Clear empties the canvas in the browser at once. A click after which the canvas still has ink CLEAR_TIMEOUT_MS
    later did nothing: it is counted as lost and clicked again. A click that emptied the canvas is waited for
    (the server may be slow to answer), up to PREDICTION_TIMEOUT_MS; if the Prediction is still shown then, the
    seconds are None (the page never showed the cleared state).
    """
    started, lost_clicks = time.perf_counter(), 0
    for _ in range(CLEAR_ATTEMPTS):
        await page.get_by_role("button", name="Clear").click()
        try:
            await prediction.wait_for(state="detached", timeout=CLEAR_TIMEOUT_MS)
            return time.perf_counter() - started, lost_clicks
        except PlaywrightTimeoutError:
            if sum(await page.locator("canvas").evaluate_all(COUNT_INK_JS)) == 0:
                log("Clear emptied the canvas; the server is slow to answer, waiting")
                try:
                    await prediction.wait_for(state="detached", timeout=PREDICTION_TIMEOUT_MS)
                except PlaywrightTimeoutError:
                    log("the page still shows the old Prediction next to the emptied canvas")
                    return None, lost_clicks
                return time.perf_counter() - started, lost_clicks
            lost_clicks += 1
            log("a Clear click left the drawing on the canvas; clicking again")
    raise RuntimeError(f"Clear did not remove the Prediction after {CLEAR_ATTEMPTS} clicks")


async def start_training_job(browser, url: str) -> None:
    """Start a full-set training job (the sidebar's defaults) from its own browser session."""
    context = await browser.new_context(viewport={"width": 1400, "height": 1000})
    page = await context.new_page()
    await page.goto(url)
    sidebar = page.get_by_test_id("stSidebar")
    await sidebar.get_by_text("Retrain", exact=True).click()
    await sidebar.get_by_label(re.compile(r"^Epochs")).fill(str(TRAINING_EPOCHS))
    await sidebar.get_by_label(re.compile(r"^Epochs")).press("Enter")
    await sidebar.get_by_role("button", name="Start training").click(timeout=120_000)
    await sidebar.get_by_text(re.compile(r"Training in progress")).wait_for(timeout=60_000)
    log(f"training job started ({TRAINING_EPOCHS} epochs of keras_example on the full set)")
    await context.close()


async def sample_memory(pid: int, peaks: dict, stop: asyncio.Event) -> None:
    """Keep the peak resident memory of the server and of any training worker it runs."""
    while not stop.is_set():
        peaks["server"] = max(peaks["server"], read_peak_memory_mb(pid))
        for child in find_children(pid):
            peaks["worker"] = max(peaks["worker"], read_peak_memory_mb(child))
            peaks["worker_seen"] = True
        try:
            await asyncio.wait_for(stop.wait(), MEMORY_SAMPLE_SECONDS)
        except asyncio.TimeoutError:
            pass


async def run_load(url: str, sessions: int, drawings: int, with_training: bool, server_pid: int | None = None) -> dict:
    """Drive `sessions` concurrent visitors; return their latencies, lost strokes, errors and peak memory.

    Memory is sampled only when the server's process id is given (a server this process started).
    """
    from playwright.async_api import async_playwright

    peaks, stop = {"server": 0.0, "worker": 0.0, "worker_seen": False}, asyncio.Event()
    sampler = asyncio.create_task(sample_memory(server_pid, peaks, stop)) if server_pid else None
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM_PATH, args=CHROMIUM_ARGS)
        if with_training:
            await start_training_job(browser, url)
        results = await asyncio.gather(*(run_session(browser, url, drawings, number * ARRIVAL_SECONDS, number)
                                         for number in range(sessions)))
        training_ran_throughout = not with_training or (server_pid is not None and bool(find_children(server_pid)))
        await browser.close()
    stop.set()
    if sampler is not None:
        await sampler
    return {"sessions": results, "peaks": peaks, "training_ran_throughout": training_ran_throughout}


def percentile(values: list[float], fraction: float) -> float:
    """The nearest-rank percentile of values."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def measure_load(sessions: int = SESSIONS, drawings: int = DRAWINGS_PER_SESSION, with_training: bool = True) -> dict:
    """Start a private server, run the load, and summarise latency, errors and the server's peak memory."""
    with tempfile.TemporaryDirectory() as folder:
        process, url = start_streamlit(copy_bundled_models(Path(folder) / "models"), Path(folder) / "data")
        started = time.perf_counter()
        try:
            outcome = asyncio.run(run_load(url, sessions, drawings, with_training, process.pid))
        finally:
            process.terminate()
            process.wait(timeout=30)
    latencies = [value for result in outcome["sessions"] for value in result["latencies"]]
    clears = [value for result in outcome["sessions"] for value in result["clear_seconds"] if value is not None]
    clears_not_shown = sum(value is None for result in outcome["sessions"] for value in result["clear_seconds"])
    return {
        "sessions": sessions, "drawings_per_session": drawings, "with_training": with_training,
        "predictions": len(latencies), "lost": sum(r["lost"] for r in outcome["sessions"]),
        "errors": sum(r["errors"] for r in outcome["sessions"]),
        "lost_clear_clicks": sum(r["lost_clear_clicks"] for r in outcome["sessions"]),
        "clears_not_shown": clears_not_shown,
        "clears": len(clears), "clear_median_ms": 1000 * statistics.median(clears) if clears else float("nan"),
        "clear_p95_ms": 1000 * percentile(clears, 0.95) if clears else float("nan"),
        "median_ms": 1000 * statistics.median(latencies) if latencies else float("nan"),
        "p95_ms": 1000 * percentile(latencies, 0.95) if latencies else float("nan"),
        "server_peak_mb": outcome["peaks"]["server"], "training_worker_peak_mb": outcome["peaks"]["worker"],
        "training_ran_throughout": outcome["training_ran_throughout"],
        "seconds": time.perf_counter() - started,
    }


if __name__ == "__main__":
    arguments = sys.argv[1:]  # optional: sessions and drawings per session, e.g. `3 5` for a quick look
    figures = measure_load(*(int(argument) for argument in arguments[:2]))
    for key, value in figures.items():
        print(f"{key:26s} {value:.1f}" if isinstance(value, float) else f"{key:26s} {value}")
