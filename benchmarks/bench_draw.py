"""Draw-page figures: preprocessing + inference latency, stroke-to-prediction time in Chromium, canvas robustness.

Run: .venv/bin/python -m benchmarks.bench_draw [--quick]
"""

import contextlib
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np

from mnist_cnn import config
from mnist_cnn.data.canvas_digits import render_canvas_digits
from mnist_cnn.data.mnist import load_mnist
from mnist_cnn.inputs.images import to_unit_floats
from mnist_cnn.inputs.preprocess import preprocess_drawing
from mnist_cnn.model.inference import classify
from mnist_cnn.store.model_store import load_keras_model

# How many drawings, strokes and digits each figure uses (the issue asks for at least 200 and 20).
LATENCY_DRAWINGS = 200
BROWSER_STROKES = 20
ROBUSTNESS_DIGITS = 1000
# Targets from the issue, on the 2-core machine. streamlit-drawable-canvas 0.13 would wait 200 ms after the last
# change before sending a drawing (`Bc = 200` in its frontend bundle); the page's canvas controls
# (ui/draw/canvas_controls.py) send each stroke the moment it ends instead.
TARGET_INFERENCE_MEDIAN_MS = 10.0
TARGET_STROKE_MEDIAN_MS = 300.0
TARGET_IDLE_STROKE_MEDIAN_MS = 150.0  # the classroom issue's tighter bound for one idle browser (make bench)
SEED = 0


def load_default_model():
    """The bundled default model and its metadata's test accuracy."""
    import json

    model_path = config.MODELS_DIR / f"{config.DEFAULT_MODEL_NAME}.keras"
    metadata_path = model_path.with_suffix(".json")
    metadata = json.loads(metadata_path.read_text()) if metadata_path.exists() else {}
    return load_keras_model(model_path), metadata


def summarise_milliseconds(seconds: list[float]) -> dict:
    """Median, 95th percentile, mean and count of durations given in seconds, in milliseconds."""
    milliseconds = np.asarray(seconds) * 1000.0
    return {"median_ms": float(np.median(milliseconds)), "p95_ms": float(np.percentile(milliseconds, 95)),
            "mean_ms": float(milliseconds.mean()), "count": int(len(milliseconds))}


def measure_inference_latency(count: int = LATENCY_DRAWINGS) -> dict:
    """preprocess_drawing + classify on canvas-like drawings, one at a time as the page does."""
    model, _ = load_default_model()
    _, (x_test, _) = load_mnist()
    drawings = render_canvas_digits(x_test[:count], seed=SEED)  # (300, 300, 4) RGBA each
    for drawing in drawings[:10]:  # warm-up: first calls trace and allocate
        classify(model, preprocess_drawing(drawing).model_input)
    total, preprocessing = [], []
    for drawing in drawings:
        start = time.perf_counter()
        model_input = preprocess_drawing(drawing).model_input
        prepared = time.perf_counter()
        classify(model, model_input)
        total.append(time.perf_counter() - start)
        preprocessing.append(prepared - start)
    return {**summarise_milliseconds(total),
            "preprocess_median_ms": summarise_milliseconds(preprocessing)["median_ms"],
            "target_median_ms": TARGET_INFERENCE_MEDIAN_MS}


def measure_canvas_robustness(count: int = ROBUSTNESS_DIGITS) -> dict:
    """Accuracy on MNIST test digits redrawn as thick canvas strokes at varied size, place and slant."""
    model, metadata = load_default_model()
    _, (x_test, y_test) = load_mnist()
    digits, labels = x_test[:count], y_test[:count]
    drawings = render_canvas_digits(digits, seed=SEED)
    predictions, rejected = [], 0
    for drawing in drawings:
        model_input = preprocess_drawing(drawing).model_input
        if model_input is None:
            rejected += 1
            predictions.append(-1)
            continue
        predictions.append(classify(model, model_input).digit)
    predictions = np.array(predictions)
    original = np.array([classify(model, to_unit_floats(digit)).digit for digit in digits])
    per_digit = {int(d): float(np.mean(predictions[labels == d] == d)) for d in range(10)}
    return {"canvas_accuracy": float(np.mean(predictions == labels)),
            "mnist_accuracy_same_digits": float(np.mean(original == labels)),
            "model_test_accuracy": metadata.get("test_accuracy"),
            "model_architecture": metadata.get("architecture"),
            "rejected_as_empty": rejected, "count": int(count), "per_digit_accuracy": per_digit}


# In the page: the time from the last pointer release to a Prediction metric being in the DOM (null after
# PREDICTION_TIMEOUT_MS, when the stroke was lost).
PREDICTION_TIMEOUT_MS = 15_000
# A short pause after Clear, as a person takes before drawing again (Clear empties the canvas in place).
CANVAS_MOUNT_WAIT_MS = 300
WAIT_FOR_PREDICTION_JS = """timeout => new Promise(resolve => {
  const check = () => {
    const metric = [...document.querySelectorAll('[data-testid="stMetric"]')]
      .find(element => element.textContent.includes('Prediction'));
    const waited = performance.now() - window.__lastPointerUp;
    if (metric) { resolve(waited); } else if (waited > timeout) { resolve(null); }
    else { requestAnimationFrame(check); }
  };
  check();
})"""
RECORD_POINTER_UP_JS = """() => {
  window.__lastPointerUp = 0;
  const record = () => { window.__lastPointerUp = performance.now(); };
  window.addEventListener('pointerup', record, true);
  window.addEventListener('mouseup', record, true);
}"""


def find_canvas_box(page, attempts: int = 100) -> dict:
    """The bounding box of the canvas once it is mounted and has stayed in place for a moment."""
    previous = None
    for _ in range(attempts):
        box = page.locator("canvas").first.bounding_box()
        if box is not None and box == previous:
            return box
        previous = box
        page.wait_for_timeout(150)
    raise RuntimeError("the canvas did not appear")


def draw_vertical_stroke(page, box, offset: float) -> None:
    """Press, drag a vertical line down the canvas in small steps, release."""
    x = box["x"] + box["width"] * (0.45 + offset)
    page.mouse.move(x, box["y"] + box["height"] * 0.15)
    page.mouse.down()
    page.mouse.move(x + 4, box["y"] + box["height"] * 0.85, steps=25)
    page.mouse.up()


@contextlib.contextmanager
def open_draw_page(url: str | None = None):
    """Headless Chromium on the Draw page of url (or of a private server started here): (page, server or None).

    The page records the time of each pointer-up (RECORD_POINTER_UP_JS), for WAIT_FOR_PREDICTION_JS.
    """
    from playwright.sync_api import sync_playwright

    from tests.support.browser import CHROMIUM_ARGS, CHROMIUM_PATH
    from tests.support.server import copy_bundled_models, start_streamlit

    process = None
    with tempfile.TemporaryDirectory() as folder:
        if url is None:
            process, url = start_streamlit(copy_bundled_models(Path(folder) / "models"), Path(folder) / "data")
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM_PATH, args=CHROMIUM_ARGS)
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                page.set_default_timeout(60_000)
                page.goto(url)
                page.locator("canvas").first.wait_for()
                page.evaluate(RECORD_POINTER_UP_JS)
                yield page, process
                browser.close()
        finally:
            if process is not None:
                process.terminate()
                process.wait(timeout=20)


def measure_browser_latency(strokes: int = BROWSER_STROKES, url: str | None = None) -> dict:
    """Median time from releasing the mouse to the new Prediction being shown, in headless Chromium."""
    from playwright.sync_api import expect

    from benchmarks.server_probe import wait_until_server_idle

    with open_draw_page(url) as (page, process):
        prediction = page.get_by_test_id("stMetric").filter(has_text="Prediction")
        draw_vertical_stroke(page, page.locator("canvas").first.bounding_box(), 0.0)  # warm-up stroke
        expect(prediction).to_be_visible()
        if process is not None:  # the server's one-off warm-up done, as for the classroom runs
            wait_until_server_idle(process.pid)
        durations, predictions, lost = [], [], 0
        while len(durations) < strokes and lost < strokes:
            page.get_by_role("button", name="Clear").click()
            expect(prediction).to_have_count(0)
            page.wait_for_timeout(CANVAS_MOUNT_WAIT_MS)  # a pause before drawing again
            box = find_canvas_box(page)
            draw_vertical_stroke(page, box, 0.02 * (len(durations) % 5 - 2))
            waited = page.evaluate(WAIT_FOR_PREDICTION_JS, PREDICTION_TIMEOUT_MS)
            if waited is None:
                lost += 1
                continue
            durations.append(waited / 1000.0)
            predictions.append(prediction.get_by_test_id("stMetricValue").inner_text())
    return {**summarise_milliseconds(durations), "target_median_ms": TARGET_STROKE_MEDIAN_MS,
            "predictions": "".join(predictions), "lost_strokes": lost}


def measure_browser_latency_on_whole_machine() -> dict:
    """`make bench`: measure_browser_latency, tried again while the host steals more than STEAL_LIMIT."""
    from benchmarks.host_cpu import keep_counted_try, measure_on_whole_machine

    return keep_counted_try(measure_on_whole_machine(measure_browser_latency), ("median_ms",))


def describe_browser_latency(browser: dict) -> str:
    """The browser row of `make bench`: median, p95, lost, the target's verdict, the host steal and other tries."""
    from benchmarks.host_cpu import describe_tries, judge_target

    verdict = judge_target(browser, browser["median_ms"] <= TARGET_IDLE_STROKE_MEDIAN_MS and
                           browser["lost_strokes"] == 0)
    return (f"median {browser['median_ms']:.0f} ms, p95 {browser['p95_ms']:.0f} ms (n = {browser['count']}, "
            f"{browser['lost_strokes']} lost; target ≤ {TARGET_IDLE_STROKE_MEDIAN_MS:.0f} ms median: {verdict})"
            + describe_tries(browser, "median_ms", "median"))


def main() -> None:
    """Measure and print every figure of the Draw page."""
    quick = "--quick" in sys.argv
    latency = measure_inference_latency(LATENCY_DRAWINGS)
    print(f"Preprocessing + inference over {latency['count']} canvas drawings: median "
          f"{latency['median_ms']:.2f} ms, p95 {latency['p95_ms']:.2f} ms (preprocessing alone: median "
          f"{latency['preprocess_median_ms']:.2f} ms; target ≤ {TARGET_INFERENCE_MEDIAN_MS:.0f} ms median)",
          flush=True)
    browser = measure_browser_latency(5 if quick else BROWSER_STROKES)
    print(f"Stroke to prediction in headless Chromium over {browser['count']} strokes: median "
          f"{browser['median_ms']:.0f} ms, p95 {browser['p95_ms']:.0f} ms (target ≤ "
          f"{TARGET_STROKE_MEDIAN_MS:.0f} ms median; predictions {browser['predictions']}, "
          f"{browser['lost_strokes']} strokes lost)", flush=True)
    robustness = measure_canvas_robustness(200 if quick else ROBUSTNESS_DIGITS)
    test_accuracy = robustness["model_test_accuracy"]
    test_text = f"{test_accuracy:.2%}" if isinstance(test_accuracy, float) else "unknown"
    print(f"Canvas-style robustness over {robustness['count']} MNIST test digits redrawn with thick strokes "
          f"at varied size, place and slant: {robustness['canvas_accuracy']:.2%} "
          f"(the same digits as MNIST images: {robustness['mnist_accuracy_same_digits']:.2%}; model "
          f"{robustness['model_architecture']}, full test-set accuracy {test_text}; "
          f"{robustness['rejected_as_empty']} drawings rejected as empty)")
    print("  per digit: " + ", ".join(f"{digit}: {accuracy:.0%}"
                                       for digit, accuracy in robustness["per_digit_accuracy"].items()))


if __name__ == "__main__":
    main()
