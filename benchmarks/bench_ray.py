"""Training jobs on Ray against the local engine (`python -m benchmarks.bench_ray`): Start → first batch on each,
two jobs at once on a two-node Ray cluster (K = 2), and a class's stroke p95 while a job trains beside the server
(the local engine) against while it trains on a Ray node.

Everything runs on this machine: the Ray head and worker are process groups pinned to 127.0.0.2 and 127.0.0.3
that share its cores with the app's server, so "on another node" here is another process group, not another
machine. The jobs go through the job board and a dispatcher, as a server's do.
"""

import argparse
import asyncio
import json
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from benchmarks.bench_replicas import play_class
from benchmarks.server_probe import percentile, start_private_server, wait_until_server_idle, wait_until_warm

# The class each stroke run plays (students and seconds), and the jobs: a short one for the start and end times,
# a long one that trains throughout a class run (cancelled after it).
STUDENTS = 30
SECONDS = 30.0
SHORT_TRAINING = {"architecture": "keras_example", "epochs": 1, "train_subset": 5000}
LONG_TRAINING = {"architecture": "keras_example", "epochs": 20}
POLL_SECONDS = 0.05
WAIT_SECONDS = 600    # a job that has not got there by then is reported as a failed measurement


def make_spec(changes: dict):
    """A job spec: the Retrain panel's settings with changes."""
    from mnist_cnn.jobs.spec import JobSpec
    from mnist_cnn.training.settings import PANEL_SETTINGS

    return JobSpec(replace(PANEL_SETTINGS, **changes))


class JobRig:
    """A job board, a model store, the local and Ray engines and a dispatcher running them (as in a server)."""

    def __init__(self, folder: Path, ray_environment: dict, slots: int = 2):
        from mnist_cnn.jobs.board import JobBoard
        from mnist_cnn.jobs.dispatcher import Dispatcher
        from mnist_cnn.jobs.engines import LocalEngine
        from mnist_cnn.jobs.ray_connection import connection_from_environment
        from mnist_cnn.jobs.ray_engine import RayEngine
        from tests.support.server import copy_bundled_models

        models = copy_bundled_models(folder / "models")
        self.board = JobBoard(folder / "jobs.sqlite3")
        self.engines = {"local": LocalEngine(models, self.board.location),
                        "ray": RayEngine(models, self.board.location, connection_from_environment(ray_environment))}
        self.dispatcher = Dispatcher(self.board, self.engines, slots=slots)
        self.dispatcher.start(forever=True)  # as a server's: it keeps running between the measurements

    def wait_for(self, job_id: str, condition):
        """Poll the board until condition(snapshot) holds (RuntimeError after WAIT_SECONDS); the snapshot."""
        deadline = time.perf_counter() + WAIT_SECONDS
        while not condition(job := self.board.get(job_id)):
            if time.perf_counter() > deadline:
                raise RuntimeError(f"job {job_id} never got there: {job}")
            time.sleep(POLL_SECONDS)
        return job

    def time_jobs(self, engine: str, count: int = 1) -> list[dict]:
        """Submit count short jobs at once to an engine: each one's seconds to its first batch and to its end,
        its end and (on Ray) the node it ran on."""
        started = time.perf_counter()
        times = {self.board.submit(make_spec(SHORT_TRAINING), f"bench-{number}", engine=engine): {}
                 for number in range(count)}
        while any("end_seconds" not in record for record in times.values()):
            if time.perf_counter() - started > WAIT_SECONDS:
                raise RuntimeError(f"the jobs did not end within {WAIT_SECONDS} s: {times}")
            for job_id, record in times.items():
                job, elapsed = self.board.get(job_id), time.perf_counter() - started
                if job.batch > 0:
                    record.setdefault("first_batch_seconds", elapsed)
                if not job.is_active and "end_seconds" not in record:
                    record.update(end_seconds=elapsed, status=job.status, message=job.message)
            time.sleep(POLL_SECONDS)
        if engine == "ray":
            from tests.support.ray_cluster import node_ip_of_job

            for job_id, record in times.items():
                record["node"] = node_ip_of_job(self.engines["ray"].connection, job_id)
        return list(times.values())

    def start_long_job(self, engine: str) -> str:
        """Submit a long job to an engine and wait until it trains; its id."""
        job_id = self.board.submit(make_spec(LONG_TRAINING), "bench-long", engine=engine)
        self.wait_for(job_id, lambda job: job.batch > 0 or not job.is_active)
        return job_id

    def cancel(self, job_id: str) -> dict:
        """Cancel a job and wait until it ended: its epoch reached and whether it trained throughout."""
        trained = self.board.get(job_id)
        self.board.request_cancel(job_id, "Cancelled by the benchmark.")
        ended = self.wait_for(job_id, lambda job: not job.is_active)
        return {"epoch": trained.epoch, "ran_throughout": trained.status == "running", "status": ended.status}

    def close(self) -> None:
        """Stop the dispatcher."""
        self.dispatcher.stop()


def measure_strokes(rig: JobRig, folder: Path, students: int, seconds: float) -> dict:
    """A class on a fresh server: idle, while a job trains beside it (local), while one trains on a Ray node."""
    process, url = start_private_server(folder / "server")
    runs = {}
    try:
        wait_until_server_idle(process.pid)
        asyncio.run(play_class(url, 1, 5.0))  # the page warm, as after a teacher's first visit
        asyncio.run(wait_until_warm(url))  # and its network
        for where in ("idle", "local", "ray"):
            job_id = None if where == "idle" else rig.start_long_job(where)
            results = asyncio.run(play_class(url, students, seconds))
            latencies = [value for result in results for value in result.latencies]
            runs[where] = {"p95_ms": 1000 * percentile(latencies, 0.95), "strokes": len(latencies),
                           "lost": sum(result.lost for result in results),
                           "job": rig.cancel(job_id) if job_id else None}
    finally:
        process.terminate()
        process.wait(timeout=60)
    return runs


def measure_ray_jobs(students: int = STUDENTS, seconds: float = SECONDS) -> dict:
    """Start a two-node Ray cluster (both nodes train: K = 2), run the three measurements, stop it."""
    from tests.support.ray_cluster import start_test_ray_cluster, stop_test_ray_cluster

    settings, environment = start_test_ray_cluster(head_resources={"trainer": 1})
    folder = Path(tempfile.mkdtemp(prefix="bench-ray-"))
    rig = JobRig(folder, environment, slots=2)
    try:
        return {"students": students, "start": {engine: rig.time_jobs(engine)[0] for engine in ("local", "ray")},
                "two_at_once": rig.time_jobs("ray", count=2),
                "strokes": measure_strokes(rig, folder, students, seconds)}
    finally:
        rig.close()
        stop_test_ray_cluster(settings)


def describe_job(record: dict) -> str:
    """One job's times as text."""
    first = record.get("first_batch_seconds")
    where = f" on {record['node']}" if record.get("node") else ""
    ended = "ended" if record["status"] == "finished" else f"ended {record['status']} ({record['message'][:120]})"
    return (f"first batch after {first:.1f} s, {ended} after {record['end_seconds']:.1f} s{where}"
            if first is not None else f"no batch; {ended} after {record['end_seconds']:.1f} s{where}")


def describe_two(records: list[dict]) -> str:
    """The two-jobs row: each job, and whether they trained at the same time."""
    firsts = [record.get("first_batch_seconds") or float("inf") for record in records]
    overlapped = max(firsts) < min(record["end_seconds"] for record in records)
    return ("; ".join(f"job {number}: {describe_job(record)}" for number, record in enumerate(records, start=1))
            + (" (trained at the same time)" if overlapped else " (one after the other)"))


def describe_strokes(run: dict) -> str:
    """A class run's p95 and its job."""
    job = run["job"]
    text = f"p95 {run['p95_ms']:.0f} ms ({run['strokes']} strokes, {run['lost']} lost)"
    return text if job is None else text + f"; the job reached epoch {job['epoch']} and was cancelled"


def make_rows(figures: dict) -> list[tuple[str, str]]:
    """The README table's rows of measure_ray_jobs' figures."""
    short = ", ".join(f"{name} {value}" for name, value in SHORT_TRAINING.items())
    strokes, students = figures["strokes"], f"Ray: {figures['students']} students' strokes"
    return [("Training job Start → first batch, local engine", f"{describe_job(figures['start']['local'])} ({short})"),
            ("Training job Start → first batch, on Ray", f"{describe_job(figures['start']['ray'])} (same job)"),
            ("Ray: two jobs at once, 2-node cluster (K = 2)", describe_two(figures["two_at_once"])),
            (f"{students}, no job", describe_strokes(strokes["idle"])),
            (f"{students}, a job beside the server (local engine)", describe_strokes(strokes["local"])),
            (f"{students}, a job on a Ray node (on this same machine)", describe_strokes(strokes["ray"]))]


def main() -> None:
    """Print the figures and the table rows."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--students", type=int, default=STUDENTS)
    parser.add_argument("--seconds", type=float, default=SECONDS)
    arguments = parser.parse_args()
    figures = measure_ray_jobs(arguments.students, arguments.seconds)
    print(json.dumps(figures, indent=2))
    for name, value in make_rows(figures):
        print(f"| {name} | {value} |")


if __name__ == "__main__":
    main()
