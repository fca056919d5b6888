"""What a job's worker process sets up for itself: its temporary files' tag and its low priority."""

import os


def job_temporary_tag(job_id: str) -> str:
    """The tag of a job's temporary files in the store: .tmp-job-<id>-…"""
    return f"job-{job_id}"


def lower_worker_priority() -> None:
    """Let training use only CPU time the server leaves idle: SCHED_IDLE where Linux offers it, else nice 10.

    Called before TensorFlow starts its threads, which inherit the policy. Under nice 10 alone a class of 60
    drawing while a job trained waited 3x longer than without the job (benchmarks/bench_classroom.py).
    """
    try:
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
    except (AttributeError, OSError):  # not Linux, or not allowed
        try:
            os.nice(10)
        except OSError:
            pass
