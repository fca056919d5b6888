"""Browser cost of a stroke's answer on the Draw page: Chromium's own Performance metrics, per stroke.

Run: .venv/bin/python -m benchmarks.bench_browser_cost [strokes]
Measures, from the moment the pen is lifted until the answer has settled, the renderer's main-thread task time
(`TaskDuration`) and JavaScript time (`ScriptDuration`), medians over the strokes, beside the stroke → Prediction
latency. Compare two versions of the page by running it on each: the machine's speed varies, the renderer's work
per stroke much less.
"""

import statistics
import sys

from benchmarks.bench_draw import CANVAS_MOUNT_WAIT_MS, WAIT_FOR_PREDICTION_JS, find_canvas_box, open_draw_page

STROKES = 16
SETTLE_MS = 600  # after the Prediction appears, the rest of the answer still renders
METRICS = ("TaskDuration", "ScriptDuration", "LayoutDuration", "RecalcStyleDuration")


def measure_browser_cost(strokes: int = STROKES) -> dict:
    """Medians per stroke: renderer milliseconds for each of METRICS, and the stroke → Prediction latency."""
    from playwright.sync_api import expect

    from benchmarks.server_probe import wait_until_server_idle

    rows, latencies = [], []
    with open_draw_page() as (page, process):
        session = page.context.new_cdp_session(page)
        session.send("Performance.enable")

        def read_metrics() -> dict:
            return {item["name"]: item["value"] for item in session.send("Performance.getMetrics")["metrics"]}

        prediction = page.get_by_test_id("stMetric").filter(has_text="Prediction")
        for stroke in range(strokes + 1):  # the first stroke warms up
            if stroke:
                page.get_by_role("button", name="Clear").click()
                expect(prediction).to_have_count(0)
                page.wait_for_timeout(CANVAS_MOUNT_WAIT_MS)
            box = find_canvas_box(page)
            x = box["x"] + box["width"] * (0.45 + 0.02 * (stroke % 5 - 2))
            page.mouse.move(x, box["y"] + box["height"] * 0.15)
            page.mouse.down()
            page.mouse.move(x + 4, box["y"] + box["height"] * 0.85, steps=25)
            before = read_metrics()  # from here on: the browser's work for the answer
            page.mouse.up()
            waited = page.evaluate(WAIT_FOR_PREDICTION_JS, 10_000)
            page.wait_for_timeout(SETTLE_MS)
            after = read_metrics()
            if not stroke:
                wait_until_server_idle(process.pid)  # the server's one-off warm-up done
            elif waited is not None:
                latencies.append(waited)
                rows.append({name: 1000 * (after[name] - before[name]) for name in METRICS})
    figures = {f"{name}_median_ms": statistics.median(row[name] for row in rows) for name in METRICS}
    return {**figures, "latency_median_ms": statistics.median(latencies), "strokes": len(rows)}


if __name__ == "__main__":
    for name, value in measure_browser_cost(int(sys.argv[1]) if len(sys.argv) > 1 else STROKES).items():
        print(f"{name:28s} {value:8.1f}")
