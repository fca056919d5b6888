"""Classroom load benchmark: N simulated students (protocol clients, not browsers) draw at once on one server.

Run against a server this script starts (figures include the server's CPU per stroke and peak memory):
    .venv/bin/python -m benchmarks.bench_classroom --students 30 --seconds 45 [--training]
or against any server on this machine (add --pid for its CPU and memory):
    .venv/bin/python -m benchmarks.bench_classroom --url http://127.0.0.1:8501 --students 30 --seconds 45
"""

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
import time
from functools import partial
from pathlib import Path


from benchmarks.bench_load import find_children, sample_memory
from benchmarks.classroom_report import format_run
from benchmarks.host_cpu import keep_counted_try, measure_on_whole_machine
from benchmarks.canvas_values import render_known_drawings
from benchmarks.server_probe import (count_cpu_seconds, percentile, read_cpu_seconds, start_private_server,
                                     time_reference_work, wait_until_idle, wait_until_warm)
from benchmarks.streamlit_client import StudentSession, play_student

# The classes measured by `make bench`, each drawing for this long, idle and while a training job runs.
CLASS_SIZES = (10, 30, 60)
DRAWING_SECONDS = 45.0
MAX_STROKES_PER_STUDENT = 40
ARRIVAL_SECONDS = 5.0        # students open the page spread over this many seconds, as a class does
PREDICTION_TIMEOUT_SECONDS = 30.0  # a stroke without a Prediction this long after it was sent is lost
TRAINING_EPOCHS = 20         # long enough to run throughout a load run (cancelled afterwards)
SEED = 0


async def start_training(url: str, epochs: int = TRAINING_EPOCHS) -> StudentSession:
    """Start a full-set training job from the sidebar, as a teacher would: set Epochs, press Start training. The
    teacher's session stays open (only the tab that started a job may cancel it): pass it to cancel_training."""
    teacher = StudentSession(url, timeout=120.0)
    await teacher.open()
    try:
        await teacher.wait_for_widget("retrain_epochs")  # the Retrain panel shows once the server has warmed up
        teacher.set_widget("retrain_epochs", int_value=epochs)
        teacher.set_widget("retrain_start", trigger_value=True)
        await teacher.run_and_wait(teacher.fragment_of("retrain_start"))
        await teacher.run_and_wait("")  # the app reran once the job started: let it finish
        del teacher.widget_states[teacher.widget_ids["retrain_start"]]  # pressed once only
    except BaseException:
        await teacher.close()
        raise
    if teacher.errors:
        await teacher.close()
        raise RuntimeError(f"starting the training job failed: {teacher.errors}")
    return teacher


async def cancel_training(teacher: StudentSession) -> None:
    """Press the sidebar's Cancel training in the tab that started the job, once the lesson's load is over."""
    try:
        await teacher.run_and_wait("")
        if "cancel_sidebar" in teacher.widget_ids:
            teacher.set_widget("cancel_sidebar", trigger_value=True)
            await teacher.run_and_wait(teacher.fragment_of("cancel_sidebar"))
    finally:
        await teacher.close()


class ClassReady:
    """The moment every student has opened the page (or failed to): then they all start drawing."""

    def __init__(self, students: int):
        self.waiting, self.event = students, asyncio.Event()

    def arrived(self) -> None:
        self.waiting -= 1
        if self.waiting <= 0:
            self.event.set()

    async def wait(self) -> None:
        await self.event.wait()


async def run_classroom(url: str, students: int, seconds: float = DRAWING_SECONDS, server_pid: int | None = None,
                        with_training: bool = False, max_strokes: int = MAX_STROKES_PER_STUDENT,
                        seed: int = SEED) -> dict:
    """Play `students` students for `seconds`; summarise latency, lost strokes, errors, CPU and memory."""
    drawings = render_known_drawings()  # rendered before the clock starts
    await play_student(url, -1, 30.0, 1, seed, drawings, pause_range=(0.0, 0.0))  # the page warm, as in class
    await wait_until_warm(url)  # the network warm too: the teacher opened the app before class
    if server_pid is not None:
        await wait_until_idle(server_pid)  # its one-off warm-up done: the teacher opened the app before class
    teacher = await start_training(url) if with_training else None
    peaks, stop = {"server": 0.0, "worker": 0.0}, asyncio.Event()
    sampler = asyncio.create_task(sample_memory(server_pid, peaks, stop)) if server_pid else None
    class_ready = ClassReady(students)

    async def arrive(number: int):
        await asyncio.sleep(ARRIVAL_SECONDS * number / max(1, students))
        return await play_student(url, number, seconds, max_strokes, seed, drawings,
                                  timeout=PREDICTION_TIMEOUT_SECONDS, class_ready=class_ready)

    playing = asyncio.gather(*(arrive(number) for number in range(students)))
    await class_ready.wait()  # everyone has the page open: the drawing (and the CPU count) starts now
    cpu_before = read_cpu_seconds(server_pid) if server_pid else None
    started = time.perf_counter()
    results = await playing
    wall = time.perf_counter() - started
    cpu_seconds = read_cpu_seconds(server_pid) - cpu_before if server_pid else None
    training_ran_throughout = not with_training or (server_pid is not None and bool(find_children(server_pid)))
    if teacher is not None:
        await cancel_training(teacher)  # nothing is saved; a server under test is left as it was
    stop.set()
    if sampler is not None:
        await sampler
    return summarise(results, students, wall, cpu_seconds, peaks if server_pid else None, with_training,
                     training_ran_throughout)


def summarise(results: list, students: int, wall: float, cpu_seconds: float | None, peaks: dict | None,
              with_training: bool, training_ran_throughout: bool) -> dict:
    """The load figures of one run."""
    latencies = [value for result in results for value in result.latencies]
    answers = [answer for result in results for answer in result.answers]
    strokes = len(latencies) + sum(result.lost for result in results)
    errors = [error for result in results for error in result.errors]
    return {
        "students": students, "with_training": with_training, "seconds": wall, "strokes": strokes,
        "predictions": len(latencies), "lost": sum(result.lost for result in results),
        "wrong_answers": sum(expected != int(shown) for expected, shown in answers if shown.isdigit()),
        "errors": len(errors), "error_examples": errors[:3],
        "connected": sum(result.connected for result in results),
        "median_ms": 1000 * statistics.median(latencies) if latencies else float("nan"),
        "p95_ms": 1000 * percentile(latencies, 0.95),
        "clear_p95_ms": 1000 * percentile([v for r in results for v in r.clear_seconds], 0.95),
        "cpu_ms_per_stroke": 1000 * cpu_seconds / strokes if cpu_seconds is not None and strokes else None,
        "server_peak_mb": peaks["server"] if peaks else None,
        "worker_peak_mb": peaks["worker"] if peaks else None,
        "training_ran_throughout": training_ran_throughout,
    }


async def measure_stroke_cpu(url: str, server_pid: int, strokes: int = 30) -> dict:
    """One student alone: the server's CPU time and the latency of each stroke (draw → Prediction), median.

    Measured once the server is idle, so that its one-off warm-up work is not counted as strokes' work.
    """
    drawings = render_known_drawings()
    session = StudentSession(url)
    await session.open()
    await wait_until_idle(server_pid)
    cpu, latencies = [], []
    try:
        names = sorted(drawings)
        for number in range(strokes + 3):  # the first strokes warm up
            digit, variants = drawings[names[number % len(names)]]
            before = read_cpu_seconds(server_pid)
            waited, _ = await session.draw(variants[number % len(variants)])
            await session.wait_for_stroke_run()
            after = read_cpu_seconds(server_pid)
            await session.clear()
            await asyncio.sleep(0.3)
            if number >= 3 and waited is not None:
                cpu.append(count_cpu_seconds(before, after))
                latencies.append(waited)
    finally:
        await session.close()
    # /proc counts CPU in clock ticks (10 ms): the mean over the strokes is the finer figure.
    return {"cpu_median_ms": 1000 * statistics.median(cpu), "cpu_mean_ms": 1000 * statistics.mean(cpu),
            "latency_median_ms": 1000 * statistics.median(latencies),
            "latency_p95_ms": 1000 * percentile(latencies, 0.95), "strokes": len(cpu)}


async def measure_cold_paths(url: str) -> dict:
    """On a server nobody has visited: seconds to open the Draw page, from there to the first stroke's
    Prediction, and for a second visitor arriving then, to open the Test-set explorer with its results."""
    drawing = render_known_drawings()["one"][1][0]
    student, explorer = StudentSession(url, timeout=180.0), StudentSession(url, timeout=180.0)
    try:
        started = time.perf_counter()
        await student.open()
        page_seconds = time.perf_counter() - started
        stroke_seconds, digit = await student.draw(drawing)
        started = time.perf_counter()
        record = await explorer.open(page_name="mistakes")
        explorer_seconds = time.perf_counter() - started
        shown = "metric" in record.elements  # the explorer's totals are metrics
    finally:
        await student.close()
        await explorer.close()
    return {"draw_page_seconds": page_seconds, "first_stroke_seconds": stroke_seconds, "first_digit": digit,
            "explorer_seconds": explorer_seconds, "explorer_shown": shown,
            "errors": student.errors + explorer.errors}


def measure_classrooms(class_sizes=CLASS_SIZES, seconds: float = DRAWING_SECONDS) -> dict:
    """`make bench`: the stroke CPU, then each class size idle and with a training job, each on a fresh server.

    The stroke CPU, or a class run, with more host steal than STEAL_LIMIT is measured again (see
    host_cpu.measure_on_whole_machine)."""
    figures = {"runs": []}
    with tempfile.TemporaryDirectory() as folder:
        process, url = start_private_server(Path(folder) / "cpu")
        try:
            figures["cold"] = asyncio.run(measure_cold_paths(url))
            tries = measure_on_whole_machine(lambda: asyncio.run(measure_stroke_cpu(url, process.pid)))
            figures["stroke"] = keep_counted_try(tries, ("cpu_median_ms",))
        finally:
            process.terminate()
            process.wait(timeout=30)
        for students in class_sizes:
            for with_training in (False, True):
                tries = measure_on_whole_machine(partial(measure_class_run, Path(folder), students, seconds,
                                                         with_training))
                print("\n".join(map(format_run, tries)), flush=True)
                figures["runs"].append(keep_counted_try(tries, ("p95_ms",)))
    return figures


def measure_class_run(folder: Path, students: int, seconds: float, with_training: bool) -> dict:
    """One class run on a fresh server (its files in a new subfolder of folder), with the machine's speed."""
    reference = time_reference_work()
    process, url = start_private_server(Path(tempfile.mkdtemp(dir=folder)))
    try:
        run = asyncio.run(run_classroom(url, students, seconds, process.pid, with_training))
    finally:
        process.terminate()
        process.wait(timeout=60)
    run["reference_seconds"] = reference
    return run


def measure_classrooms_in_fresh_process() -> dict:
    """measure_classrooms in a child Python that has not loaded TensorFlow: `make bench` calls this.

    The simulated students are one asyncio process; inside the benchmark runner, which holds TensorFlow and
    every earlier benchmark's objects, its garbage collections and CPU share delayed their reading of the
    server's answers, and a class of 60 measured several times slower than the same server in a fresh process.
    """
    with tempfile.TemporaryDirectory() as folder:
        output = Path(folder) / "classroom.json"
        subprocess.run([sys.executable, "-m", "benchmarks.bench_classroom", "--make-bench-json", str(output)],
                       check=True, cwd=Path(__file__).resolve().parent.parent)
        return json.loads(output.read_text())


def main() -> None:
    """Command line: one run against a server this script starts, or against --url."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", help="a running server on this machine (default: start a private one)")
    parser.add_argument("--pid", type=int, help="the --url server's process id, for its CPU and memory")
    parser.add_argument("--students", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--training", action="store_true", help="start a training job first")
    parser.add_argument("--stroke-cpu", action="store_true", help="also measure one student's CPU per stroke")
    parser.add_argument("--cold", action="store_true", help="first measure the cold paths (a fresh server)")
    parser.add_argument("--make-bench-json", help="run `make bench`'s classroom figures and write them here")
    arguments = parser.parse_args()
    if arguments.make_bench_json:
        Path(arguments.make_bench_json).write_text(json.dumps(measure_classrooms(), default=float))
        return
    with tempfile.TemporaryDirectory() as folder:
        process, url, pid = None, arguments.url, arguments.pid
        if url is None:
            process, url = start_private_server(Path(folder))
            pid = process.pid
        try:
            if arguments.cold:
                print(asyncio.run(measure_cold_paths(url)), flush=True)
            if arguments.stroke_cpu and pid:
                print(asyncio.run(measure_stroke_cpu(url, pid)), flush=True)
            run = asyncio.run(run_classroom(url, arguments.students, arguments.seconds, pid, arguments.training))
            print(format_run(run))
            if run["error_examples"]:
                print("errors, e.g.:", run["error_examples"])
        finally:
            if process is not None:
                process.terminate()
                process.wait(timeout=60)


if __name__ == "__main__":
    main()
