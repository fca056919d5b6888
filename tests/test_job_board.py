"""The job board's contract on SQLite and on a real PostgreSQL: queue, atomic claims, slots, cancel, stale jobs."""

import threading
from dataclasses import replace

import pytest
from sqlalchemy import text

from mnist_cnn import config
from mnist_cnn.jobs.board import STALE_MESSAGE, TOO_LATE_MESSAGE, JobBoard, QueueLimitError
from mnist_cnn.jobs.queue_estimate import STARTUP_SECONDS, add_queue_estimates, estimate_job_seconds
from mnist_cnn.jobs.spec import CANCELLED, FAILED, FINISHED, QUEUED, RUNNING, JobSpec
from mnist_cnn.jobs.work import make_finetune_settings
from tests.support.jobs import TINY_SPEC

PROGRESS = {"epoch": 1, "batch": 5, "batches_per_epoch": 10, "history": {"loss": [0.5]},
            "batch_trace": [{"epoch": 0.5, "loss": 0.7}]}


@pytest.fixture(params=["sqlite", "postgresql"])
def board(request, tmp_path, monkeypatch):
    """A job board on a new SQLite file, or on a new database of the test PostgreSQL server; 3 jobs per owner."""
    monkeypatch.setattr(config, "MAX_QUEUED_JOBS_PER_SESSION", 3)
    if request.param == "sqlite":
        return JobBoard(tmp_path / "jobs.sqlite3")
    return JobBoard(request.getfixturevalue("postgres_url"))


def age_heartbeat(board: JobBoard, job_id: str, seconds: float) -> None:
    """Move a running job's last sign of life `seconds` into the past (as if its worker had gone quiet)."""
    board.run(lambda connection: connection.execute(
        text("UPDATE jobs SET heartbeat_at = heartbeat_at - :seconds WHERE job_id = :job_id"),
        {"seconds": seconds, "job_id": job_id}), write=True)


def test_jobs_queue_in_order_and_a_claim_respects_the_slots(board):
    first, second, third = (board.submit(TINY_SPEC, owner) for owner in ("anna", "ben", "anna"))
    queued = board.list_jobs()
    assert [(job.job_id, job.status, job.queue_position) for job in queued] == [
        (first, QUEUED, 1), (second, QUEUED, 2), (third, QUEUED, 3)]
    assert queued[0].estimated_start_seconds == 0.0  # a free slot: it starts at once
    claimed = board.claim_next("local", "server-1", slots=1)
    assert (claimed.job_id, claimed.status, claimed.runner, claimed.phase) == (first, RUNNING, "server-1", "starting")
    assert board.claim_next("local", "server-2", slots=1) is None  # the one slot is taken
    assert board.claim_next("ray", "server-2", slots=1) is None  # no job of that engine
    waiting = [job for job in board.list_jobs() if job.is_queued]
    assert [(job.job_id, job.queue_position) for job in waiting] == [(second, 1), (third, 2)]
    assert 0 < waiting[0].estimated_start_seconds < waiting[1].estimated_start_seconds  # after the running one
    assert board.get(third).queue_position == 2
    assert board.claim_next("local", "server-2", slots=2).job_id == second
    assert [job.job_id for job in board.list_jobs(owner="anna")] == [first, third]


def test_concurrent_claims_never_hand_one_job_to_two_callers_nor_pass_the_slots(board):
    for number in range(5):
        board.submit(TINY_SPEC, f"student-{number}")
    barrier, claims = threading.Barrier(8), []

    def claim() -> None:
        barrier.wait()
        claims.append(JobBoard(board.location).claim_next("local", threading.current_thread().name, slots=3))

    threads = [threading.Thread(target=claim, name=f"runner-{number}") for number in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    claimed = [job.job_id for job in claims if job is not None]
    assert len(claimed) == 3 and len(set(claimed)) == 3
    assert sorted(job.job_id for job in board.list_running()) == sorted(claimed)
    assert [job.queue_position for job in board.list_jobs() if job.is_queued] == [1, 2]


def test_a_session_may_queue_only_so_many_jobs(board):
    jobs = [board.submit(TINY_SPEC, "anna") for _ in range(3)]
    board.claim_next("local", "server-1", slots=1)  # running counts too
    with pytest.raises(QueueLimitError, match="already has 3 training jobs queued or running") as refusal:
        board.submit(TINY_SPEC, "anna")
    assert isinstance(refusal.value, ValueError)
    board.submit(TINY_SPEC, "ben")  # another session is not affected
    assert board.request_cancel(jobs[2])
    board.submit(TINY_SPEC, "anna")  # a cancelled job gives its place back
    assert board.count_active("anna") == 3


def test_cancel_ends_a_queued_job_at_once_and_asks_a_running_one(board):
    running, queued = board.submit(TINY_SPEC, "anna"), board.submit(TINY_SPEC, "ben")
    board.claim_next("local", "server-1", slots=1)
    assert not board.is_cancel_requested(running)
    assert board.request_cancel(queued, "Cancelled by the teacher.")
    assert (board.get(queued).status, board.get(queued).message) == (CANCELLED, "Cancelled by the teacher.")
    assert board.request_cancel(running, "Stopped by its owner; nothing was saved.")
    snapshot = board.get(running)
    assert snapshot.status == RUNNING and snapshot.cancel_requested and board.is_cancel_requested(running)
    assert board.mark_ended(running, CANCELLED, "Cancelled; nothing was saved.")
    assert board.get(running).message == "Stopped by its owner; nothing was saved."  # the reason is kept
    assert not board.mark_ended(running, FAILED, "late")  # the first end stands
    assert not board.request_cancel(running) and not board.report_phase(running, "training")
    with pytest.raises(ValueError, match="ends"):
        board.mark_ended(running, RUNNING)


def test_progress_and_outcome_are_read_back_by_any_board_object(board):
    job_id = board.submit(TINY_SPEC, "anna", resources={"gpu": 1})
    board.claim_next("local", "server-1", slots=1)
    assert board.report(job_id, phase="training", progress=PROGRESS, training_started_at=1.0)
    seen = JobBoard(board.location).get(job_id)  # another replica's board
    assert (seen.phase, seen.epoch, seen.batch, seen.batches_per_epoch) == ("training", 1, 5, 10)
    assert seen.history == {"loss": [0.5]} and seen.batch_trace == PROGRESS["batch_trace"]
    assert seen.resources == {"gpu": 1} and seen.eta_seconds is not None and seen.spec == TINY_SPEC
    board.request_cancel(job_id)
    outcome = {"model_name": "keras_example-1", "test_accuracy": 0.9, "test_loss": 0.3}
    assert board.mark_ended(job_id, FINISHED, outcome=outcome)
    ended = board.get(job_id)
    assert (ended.status, ended.phase, ended.result_model_name, ended.test_accuracy) == (
        FINISHED, "done", "keras_example-1", 0.9)
    assert ended.message == TOO_LATE_MESSAGE and ended.eta_seconds is None
    assert board.list_jobs()[0].job_id == job_id and board.list_jobs(ended_within=0) == []


def test_a_running_job_without_heartbeat_is_failed_and_its_slot_freed(board):
    quiet, alive, waiting = (board.submit(TINY_SPEC, owner) for owner in ("anna", "ben", "cleo"))
    board.claim_next("local", "server-1", slots=2)
    board.claim_next("local", "server-1", slots=2)
    age_heartbeat(board, quiet, 60)
    assert board.heartbeat(alive)
    assert board.fail_stale(30) == [quiet]
    failed = board.get(quiet)
    assert failed.status == FAILED and failed.message == STALE_MESSAGE.format(seconds=30)
    assert board.is_cancel_requested(quiet)  # its worker, if it wakes up, stops
    assert not board.report(quiet, progress=PROGRESS)  # and cannot write progress any more
    assert board.claim_next("local", "server-2", slots=2).job_id == waiting
    assert board.fail_stale(30) == []


def test_a_fine_tuning_spec_survives_the_board():
    spec = JobSpec(make_finetune_settings(base_model="default", collection="anna"), kind="finetune",
                   options={"user_digits_path": "/tmp/x.sqlite3"})
    assert JobSpec.from_json(spec.to_json()) == spec
    built = JobSpec(replace(TINY_SPEC.settings, architecture="built",
                            architecture_spec=[{"kind": "conv", "filters": 8}]))
    assert JobSpec.from_json(built.to_json()) == built


def test_estimated_starts_fill_the_earliest_free_slot(tmp_path):
    board = JobBoard(tmp_path / "jobs.sqlite3")
    for owner in ("anna", "ben", "cleo", "dan"):
        board.submit(TINY_SPEC, owner)
    board.claim_next("local", "server-1", slots=1)
    jobs = add_queue_estimates(board.list_jobs(), slots=2)
    one_job = estimate_job_seconds(jobs[1])
    assert one_job > STARTUP_SECONDS
    starts = [job.estimated_start_seconds for job in jobs[1:]]
    assert starts[0] == 0.0  # the second slot is free
    assert starts[1] == pytest.approx(min(one_job - jobs[0].elapsed_seconds, one_job), rel=0.05)
    assert starts[2] == pytest.approx(one_job, rel=0.05)
