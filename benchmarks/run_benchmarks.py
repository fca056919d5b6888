"""Run every benchmark and print one Markdown table of the app's figures, with the machine they came from."""

import argparse
import os
import platform
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from mnist_cnn.data.outliers import DOODLE_KINDS, HELD_OUT_DOODLE_KINDS, TAUGHT_DOODLE_KINDS, UNSEEN_KINDS
from benchmarks import bench_classroom, bench_ray, bench_replicas, classroom_report  # class runs, rows, targets
from benchmarks.host_cpu import describe_steal, measure_steal_share, read_cpu_ticks


# The installed packages whose versions a figure depends on (the lock file pins them: requirements.lock).
MEASURED_PACKAGES = ("tensorflow", "keras", "numpy", "opencv-python-headless", "streamlit",
                     "streamlit-drawable-canvas", "matplotlib")
# A fresh server's targets (issue 29): launch -> the Draw page's canvas, then canvas -> a stroke drawn at once answered.
CANVAS_TARGET_SECONDS = 5.0
FIRST_ANSWER_TARGET_SECONDS = 2.0
# The first stroke is drawn the moment the canvas shows; if no answer comes within STROKE_RETRY_MS, one more (up to
# COLD_START_STROKES): the canvas may show a moment before it listens to the pointer.
STROKE_RETRY_MS = 1_000
COLD_START_STROKES = 3


def describe_versions() -> str:
    """Python and the installed versions of MEASURED_PACKAGES, e.g. "Python 3.11.7, tensorflow 2.21.0, ..."."""
    from importlib.metadata import PackageNotFoundError, version

    def installed(name: str) -> str:
        try:
            return version(name)
        except PackageNotFoundError:
            return "not installed"

    return ", ".join([f"Python {platform.python_version()}",
                      *(f"{name} {installed(name)}" for name in MEASURED_PACKAGES)])


def describe_machine() -> str:
    """CPU model, cores, memory and the versions the figures were measured with (describe_versions)."""
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor() or "unknown CPU")
    memory_kb = int(next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                         if line.startswith("MemTotal")))
    return f"{cpu}, {os.cpu_count()} cores, {memory_kb / 2**20:.0f} GiB RAM, {platform.system()}; {describe_versions()}"


def describe_machine_load(ticks_before) -> str:
    """The host's steal over the whole run: this shared machine's speed then, beside its figures."""
    share = measure_steal_share(ticks_before, read_cpu_ticks())
    if share is None:
        return ""
    return (f"During it, {describe_steal(share)} (the share of CPU time the host gave to other machines; "
            f"every timing below is slower the higher it is).")


def draw_one_stroke(page, box: dict) -> None:
    """A vertical stroke through the middle of the canvas (a '1'), drawn with the mouse."""
    x = box["x"] + box["width"] / 2
    page.mouse.move(x, box["y"] + box["height"] * 0.15)
    page.mouse.down()
    for fraction in (0.5, 0.85):
        page.mouse.move(x, box["y"] + box["height"] * fraction, steps=3)
    page.mouse.up()


def wait_for_first_answer(page, box: dict) -> int:
    """Draw a stroke at once and wait for the Prediction; the strokes it took (one more each STROKE_RETRY_MS, in
    case the canvas had not attached its pointer handlers yet when it first showed)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

    prediction = page.get_by_test_id("stMetric").filter(has_text="Prediction")
    for stroke in range(1, COLD_START_STROKES + 1):
        draw_one_stroke(page, box)
        try:
            prediction.wait_for(timeout=STROKE_RETRY_MS if stroke < COLD_START_STROKES else 120_000)
            return stroke
        except PlaywrightTimeoutError:
            continue
    raise RuntimeError("no stroke was answered")


def measure_cold_start() -> dict:
    """Seconds from `streamlit run app.py` to the Draw page's canvas in headless Chromium, and from the canvas
    until a stroke drawn at once is answered (the Prediction shown). The browser is open before the server is
    launched, as a visitor's is: its own start is not the server's."""
    from playwright.sync_api import sync_playwright

    from tests.support.browser import CHROMIUM_ARGS, CHROMIUM_PATH

    from tests.support.server import copy_bundled_models, start_streamlit

    with tempfile.TemporaryDirectory() as folder, sync_playwright() as playwright:
        models = copy_bundled_models(Path(folder) / "models")
        browser = playwright.chromium.launch(executable_path=CHROMIUM_PATH, args=CHROMIUM_ARGS)
        page = browser.new_page()
        started = time.perf_counter()
        process, url = start_streamlit(models, Path(folder) / "data")
        server_ready = time.perf_counter() - started
        try:
            page.goto(url)
            canvas = page.locator("canvas").first
            canvas.wait_for(timeout=120_000)
            interactive = time.perf_counter() - started
            strokes = wait_for_first_answer(page, canvas.bounding_box())
            answered = time.perf_counter() - started - interactive
        finally:
            browser.close()
            process.terminate()
            process.wait(timeout=30)
    return {"server_ready_seconds": server_ready, "interactive_seconds": interactive,
            "first_answer_seconds": answered, "strokes": strokes}


def describe_cold_start(cold: dict) -> list[tuple[str, str]]:
    """The two rows of a fresh server against their targets: launch -> canvas, canvas -> first stroke answered."""
    def judge(seconds: float, target: float) -> str:
        return f"{seconds:.1f} s (target ≤ {target:.0f} s: {'met' if seconds <= target else 'NOT met'})"

    strokes = cold.get("strokes", 1)
    retried = f"; {strokes} strokes, the first before the canvas listened" if strokes > 1 else ""
    return [("Cold start: launch → canvas", f"{judge(cold['interactive_seconds'], CANVAS_TARGET_SECONDS)}, "
                                             f"server healthy after {cold['server_ready_seconds']:.1f} s"),
            ("Cold start: canvas → first stroke answered",
             judge(cold["first_answer_seconds"], FIRST_ANSWER_TARGET_SECONDS) + retried)]


def describe_browser_row(browser: dict) -> str:
    """The idle browser's row (bench_draw, imported here: it loads TensorFlow)."""
    from benchmarks.bench_draw import describe_browser_latency

    return describe_browser_latency(browser)


def build_table(figures: dict) -> list[tuple[str, str]]:
    """Rows (figure, value) of the benchmark table, for the benchmarks that ran."""
    rows = []
    for name, make_rows in ROW_BUILDERS.items():
        if name in figures:
            rows += make_rows(figures[name])
    return rows


def format_personal_rows(personal: dict) -> list[tuple[str, str]]:
    """Rows of the personal-handwriting benchmark (one per K), formatted by bench_personal."""
    from benchmarks import bench_personal

    return bench_personal.format_rows(personal)


def describe_kept_epochs(epochs_that_fit: int) -> str:
    """Whether the snapshot file's size bound keeps every epoch of the longest run the panel allows."""
    from mnist_cnn import config

    if epochs_that_fit >= config.MAX_EPOCHS:
        return f"every epoch of a {config.MAX_EPOCHS}-epoch run kept"
    return f"{epochs_that_fit} of {config.MAX_EPOCHS} epochs fit: older ones thinned"


def describe_doodles(flagged: dict, kinds: tuple) -> str:
    """The mean share flagged over some doodle kinds, then each kind's, lowest first."""
    doodles = {kind.removeprefix("doodle: "): flagged[kind] for kind in kinds if kind in flagged}
    listed = ", ".join(f"{name} {share:.0%}" for name, share in sorted(doodles.items(), key=lambda item: item[1]))
    return f"{sum(doodles.values()) / max(len(doodles), 1):.1%} on average: {listed}"


def make_not_a_digit_rows(verdict: dict) -> list[tuple[str, str]]:
    """One row per kind of non-digit drawing (the doodles in two rows, kind by kind), then MNIST's false flags."""
    flagged = verdict["flagged"]
    unseen = [share for kind, share in flagged.items() if kind in UNSEEN_KINDS]
    rows = [("Not a digit: all kinds never trained on (letters, shapes, doodles)",
             f"{sum(unseen) / max(len(unseen), 1):.1%} flagged on average over {len(unseen)} kinds")]
    rows += [(f"Not a digit: {kind} flagged{' (kind never trained on)' if kind in UNSEEN_KINDS else ''}",
              f"{share:.1%} (n ≈ {verdict['per_kind']})")
             for kind, share in flagged.items() if kind not in DOODLE_KINDS]
    rows.append((f"Not a digit: doodles never trained on ({len(HELD_OUT_DOODLE_KINDS)} kinds)",
                 f"{describe_doodles(flagged, HELD_OUT_DOODLE_KINDS)} (n ≈ {verdict['per_doodle']} each)"))
    rows.append((f"Not a digit: doodles of kinds trained on ({len(TAUGHT_DOODLE_KINDS)} kinds)",
                 f"{describe_doodles(flagged, TAUGHT_DOODLE_KINDS)} (n ≈ {verdict['per_doodle']} each)"))
    return rows + [("Not a digit: MNIST test digits wrongly flagged",
                    f"{verdict['mnist_test_flagged']:.2%} (n = 10000)")]


def make_writer_rows(conditions: dict) -> list[tuple[str, str]]:
    """Per drawing condition: the writers trained on beside the held-out ones."""
    return [(f"Real handwriting, trained vs held-out writers: {name}",
             f"{figures['trained_writers_accuracy']:.2%} vs {figures['accuracy']:.2%} "
             f"(gap {100 * (figures['trained_writers_accuracy'] - figures['accuracy']):.2f} points)")
            for name, figures in conditions.items()]


def make_per_writer_row(conditions: dict) -> list[tuple[str, str]]:
    """Each held-out writer's accuracy, the mean over the drawing conditions, lowest first."""
    writers = next(iter(conditions.values()))["per_writer"]
    means = {writer: sum(figures["per_writer"][writer] for figures in conditions.values()) / len(conditions)
             for writer in writers}
    listed = ", ".join(f"{writer} {value:.1%}" for writer, value in sorted(means.items(), key=lambda item: item[1]))
    return [(f"Real handwriting per held-out writer (mean of the {len(conditions)} conditions)", listed)]


ROW_BUILDERS = {
    "evaluation": lambda evaluation: [
        ("Active (bundled) model: MNIST test accuracy", f"{evaluation['accuracy']:.2%}"),
        ("Evaluation of all 10,000 test digits", f"{evaluation['best_seconds']:.2f} s (best of 3)")],
    "robustness": lambda robustness: [
        ("Canvas-style redrawn test digits: accuracy", f"{robustness['canvas_accuracy']:.2%} "
                                                       f"(n = {robustness['count']})")],
    "handwriting": lambda conditions: [
        (f"Real handwriting, unseen writers: {name}",
         f"{figures['accuracy']:.2%} (n = {figures['count']}; worst writer {figures['worst_accuracy']:.1%}; "
         f"{figures['flagged_as_not_digit']:.1%} taken for not a digit)")
        for name, figures in conditions.items()] + make_per_writer_row(conditions) + make_writer_rows(conditions),
    "digit_styles": lambda styles: [
        (f"Real handwriting, unseen writers: {style}s (made from their digits; centred, large)",
         f"{figures['accuracy']:.1%} read right (n = {figures['count']}; {figures['flagged']:.1%} taken for not a "
         f"digit)") for style, figures in styles.items()],
    "not_a_digit": lambda verdict: make_not_a_digit_rows(verdict),
    "latency": lambda latency: [
        ("Preprocessing + inference, one drawing", f"median {latency['median_ms']:.1f} ms, "
                                                   f"p95 {latency['p95_ms']:.1f} ms (n = {latency['count']})")],
    "browser": lambda browser: [("Browser stroke → prediction, idle", describe_browser_row(browser))],
    "classroom": lambda classroom: classroom_report.make_table_rows(classroom),
    "cold_start": describe_cold_start,
    "quick_retrain": lambda quick: [
        ("Quick retrain: keras_example, full training set", f"{quick['wall_seconds']:.0f} s Start → saved, "
                                                            f"test accuracy {quick['test_accuracy']:.2%} (target "
                                                            f"{'met' if quick['meets_target'] else 'NOT met'})")],
    "epoch_seconds": lambda epochs: [
        (f"Training, seconds per full epoch: `{name}`", f"{seconds:.1f} s") for name, seconds in epochs.items()],
    "personal": format_personal_rows,
    "replicas": lambda replicas: bench_replicas.make_rows(replicas),
    "ray": lambda ray: bench_ray.make_rows(ray),
    "snapshots": lambda snapshots: [
        (f"Replay snapshot per epoch: `{name}`",
         f"{cost['bytes_per_epoch'] / 1024:.0f} KiB, {cost['seconds_per_snapshot']:.2f} s to keep and measure; "
         f"{describe_kept_epochs(cost['epochs_that_fit'])}") for name, cost in snapshots.items()],
}


def main() -> None:
    """Run all benchmarks, print the table, and optionally write it to a file."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--output", help="also write the table (Markdown) to this file")
    parser.add_argument("--readme", help="also put the table and the bundled model's record into this README")
    arguments = parser.parse_args()

    from benchmarks import bench_draw
    from benchmarks import bench_evaluation
    from benchmarks import bench_handwriting
    from benchmarks import bench_personal
    from benchmarks import bench_snapshots
    from benchmarks import bench_training

    started, ticks_before = time.perf_counter(), read_cpu_ticks()
    measurements = {
        "evaluation": bench_evaluation.measure_evaluation_seconds,
        "latency": bench_draw.measure_inference_latency,
        "robustness": bench_draw.measure_canvas_robustness,
        "handwriting": bench_handwriting.measure_handwriting,
        "digit_styles": bench_handwriting.measure_digit_styles,
        "not_a_digit": bench_handwriting.measure_not_a_digit,
        "epoch_seconds": bench_training.measure_epoch_seconds,
        "snapshots": bench_snapshots.measure_snapshot_cost,
        "quick_retrain": bench_training.measure_quick_retrain,
        "personal": bench_personal.measure_personalisation,
        "cold_start": measure_cold_start,
        "browser": bench_draw.measure_browser_latency_on_whole_machine,
        "classroom": bench_classroom.measure_classrooms_in_fresh_process,
        "replicas": bench_replicas.measure_replicas,
        "ray": bench_ray.measure_ray_jobs,
    }
    figures, failures = {}, []
    for name, measure in measurements.items():
        try:
            figures[name] = measure()
            print(f"{name}: {figures[name]}", flush=True)
        except Exception as error:  # one broken benchmark must not lose the others' figures
            failures.append(f"{name} failed: {type(error).__name__}: {str(error).splitlines()[0][:200]}")
            print(failures[-1], flush=True)
    lines = [f"Measured {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC on: {describe_machine()}.",
             f"Command: `make bench` ({time.perf_counter() - started:.0f} s). {describe_machine_load(ticks_before)}",
             "",
             "| figure | value |", "|---|---|"]
    lines += [f"| {name} | {value} |" for name, value in build_table(figures)]
    lines += [f"| (benchmark) | {failure} |" for failure in failures]
    table = "\n".join(lines)
    print("\n" + table)
    if arguments.output:
        Path(arguments.output).write_text(table + "\n")
    if arguments.readme:
        from benchmarks.readme_sections import update_readme

        update_readme(Path(arguments.readme), table)


if __name__ == "__main__":
    main()
