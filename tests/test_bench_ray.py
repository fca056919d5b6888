"""The Ray benchmark's rows: start times, whether two jobs trained at the same time, the strokes beside each job."""

from benchmarks.bench_ray import make_rows


def make_job(first: float | None, end: float, node: str | None = None, status: str = "finished") -> dict:
    """One timed job as JobRig.time_jobs reports it."""
    record = {"end_seconds": end, "status": status, "message": "" if status == "finished" else "It failed."}
    if first is not None:
        record["first_batch_seconds"] = first
    if node:
        record["node"] = node
    return record


def make_figures(two_at_once: list[dict]) -> dict:
    """measure_ray_jobs' figures with these two jobs."""
    strokes = {"p95_ms": 40.0, "strokes": 300, "lost": 0, "job": None}
    return {"students": 30, "start": {"local": make_job(9.5, 20.0), "ray": make_job(12.25, 26.0, "127.0.0.3")},
            "two_at_once": two_at_once,
            "strokes": {"idle": strokes, "local": {**strokes, "p95_ms": 90.0, "job": {"epoch": 3}},
                        "ray": {**strokes, "p95_ms": 60.0, "job": {"epoch": 2}}}}


def test_the_rows_say_when_each_job_trained_where_and_what_the_class_felt():
    rows = dict(make_rows(make_figures([make_job(10.0, 30.0, "127.0.0.2"), make_job(11.0, 31.0, "127.0.0.3")])))
    assert rows["Training job Start → first batch, on Ray"] == ("first batch after 12.2 s, ended after 26.0 s on "
                                                               "127.0.0.3 (same job)")
    assert rows["Ray: two jobs at once, 2-node cluster (K = 2)"].endswith("(trained at the same time)")
    assert rows["Ray: 30 students' strokes, a job on a Ray node (on this same machine)"] == (
        "p95 60 ms (300 strokes, 0 lost); the job reached epoch 2 and was cancelled")
    assert rows["Ray: 30 students' strokes, no job"] == "p95 40 ms (300 strokes, 0 lost)"


def test_jobs_that_ran_one_after_the_other_or_failed_say_so():
    rows = dict(make_rows(make_figures([make_job(10.0, 20.0), make_job(None, 25.0, status="failed")])))
    two = rows["Ray: two jobs at once, 2-node cluster (K = 2)"]
    assert "no batch; ended failed (It failed.)" in two and two.endswith("(one after the other)")
