"""The dispatcher's round on a fake engine: claims into the slots, launch failures, ends its engine reports, Cancel,
the time limit, heartbeats, and which server watches which job."""

import pytest
from sqlalchemy import text

from mnist_cnn import config
from mnist_cnn.jobs.board import JobBoard
from mnist_cnn.jobs.dispatcher import Dispatcher
from mnist_cnn.jobs.spec import CANCELLED, FAILED, QUEUED, RUNNING, LaunchLaterError
from tests.support.jobs import TINY_SPEC


class FakeEngine:
    """An engine that records what the dispatcher asks of it; poll answers from `ended` (job id -> reason)."""

    name = "local"
    tied_to_runner = True
    keeps_heartbeat = True

    def __init__(self, refuse: str = "", later: str = ""):
        self.launched, self.stopped, self.ended, self.refuse, self.later = [], [], {}, refuse, later

    def launch(self, job) -> None:
        """Note the job, or refuse it (for good, or for now)."""
        if self.refuse:
            raise ValueError(self.refuse)
        if self.later:
            raise LaunchLaterError(self.later)
        self.launched.append(job.job_id)

    def poll(self, job) -> str | None:
        """The reason noted for the job, if any; a broken cluster's error for the job "broken"."""
        if job.owner == "broken":
            raise RuntimeError("the cluster answered nonsense")
        return self.ended.get(job.job_id)

    def stop(self, job) -> None:
        """Note the request."""
        self.stopped.append(job.job_id)


@pytest.fixture
def board(tmp_path):
    """A board on a new SQLite file."""
    return JobBoard(tmp_path / "jobs.sqlite3")


def move_back(board: JobBoard, job_id: str, column: str, seconds: float) -> None:
    """Move a job's start (started_at) or last heartbeat (heartbeat_at) `seconds` into the past."""
    board.run(lambda connection: connection.execute(text(
        f"UPDATE jobs SET {column} = {column} - :seconds WHERE job_id = :job_id"),
        {"seconds": seconds, "job_id": job_id}), write=True)


def test_a_round_claims_into_the_free_slots_and_fails_a_job_that_cannot_launch(board):
    engine = FakeEngine()
    jobs = [board.submit(TINY_SPEC, f"student-{number}") for number in range(3)]
    Dispatcher(board, {"local": engine}, slots=2, runner="server-1").tick()
    assert engine.launched == jobs[:2] and board.get(jobs[2]).status == QUEUED
    refusing = Dispatcher(board, {"local": FakeEngine(refuse="The model store is full.")}, slots=3,
                          runner="server-2")
    refusing.tick()
    failed = board.get(jobs[2])
    assert (failed.status, failed.message) == (FAILED, "The training process could not start: The model store is full.")


def test_a_round_ends_what_the_engine_reports_and_passes_on_cancel(board):
    engine = FakeEngine()
    dispatcher = Dispatcher(board, {"local": engine}, slots=3, runner="server-1")
    crashed, cancelled, stopping = (board.submit(TINY_SPEC, f"student-{number}") for number in range(3))
    dispatcher.tick()
    board.request_cancel(cancelled)
    board.request_cancel(stopping)
    engine.ended = {crashed: "The training process stopped unexpectedly (exit code -9); nothing was saved.",
                    cancelled: "Terminated."}
    dispatcher.tick()
    assert (board.get(crashed).status, board.get(crashed).message) == (
        FAILED, "The training process stopped unexpectedly (exit code -9); nothing was saved.")
    assert board.get(cancelled).status == CANCELLED
    assert engine.stopped == [stopping] and board.get(stopping).status == RUNNING  # asked to stop, not yet ended


def test_the_time_limit_stale_jobs_and_whose_jobs_a_server_watches(board):
    engine = FakeEngine()
    mine = Dispatcher(board, {"local": engine}, slots=3, runner="server-1")
    long_running, quiet = board.submit(TINY_SPEC, "anna"), board.submit(TINY_SPEC, "ben")
    mine.tick()
    move_back(board, long_running, "started_at", config.MAX_JOB_SECONDS + 5)
    move_back(board, quiet, "heartbeat_at", config.JOB_STALE_SECONDS + 5)
    other_engine = FakeEngine()
    Dispatcher(board, {"local": other_engine}, slots=3, runner="server-2").tick()
    limited = board.get(long_running)
    assert limited.cancel_requested and "limit of" in limited.message  # any server keeps the time limit
    assert board.get(quiet).status == FAILED and "stopped responding" in board.get(quiet).message
    assert other_engine.stopped == []  # a local job is stopped only by the server that runs it
    mine.tick()
    assert engine.stopped == [long_running]
    assert board.get(long_running).status == RUNNING


def test_a_job_the_engine_cannot_take_now_waits_in_its_place_and_the_rest_of_the_queue_is_kept(board):
    jobs = [board.submit(TINY_SPEC, f"student-{number}") for number in range(3)]
    down = FakeEngine(later="The Ray cluster cannot be reached.")
    Dispatcher(board, {"local": down}, slots=2, runner="server-1").tick()
    waiting = [board.get(job_id) for job_id in jobs]
    assert [job.status for job in waiting] == [QUEUED] * 3 and [job.queue_position for job in waiting] == [1, 2, 3]
    assert waiting[0].message == "The Ray cluster cannot be reached." and not waiting[0].runner
    up = FakeEngine()
    Dispatcher(board, {"local": up}, slots=2, runner="server-1").tick()
    assert up.launched == jobs[:2], "the same order once the cluster is back"


def test_one_job_whose_engine_fails_to_answer_does_not_stall_the_round(board):
    broken, fine = board.submit(TINY_SPEC, "broken"), board.submit(TINY_SPEC, "fine")
    engine = FakeEngine()
    dispatcher = Dispatcher(board, {"local": engine}, slots=3, runner="server-1")
    dispatcher.tick()
    engine.ended[fine] = "It ended without a word."
    waiting = board.submit(TINY_SPEC, "next")
    dispatcher.tick()
    assert board.get(fine).status == FAILED and board.get(broken).status == RUNNING
    assert engine.launched[-1] == waiting, "queued jobs are still launched"
