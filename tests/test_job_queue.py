"""The queue through JobManager and its dispatcher, with a quick fake work in real worker processes: a second job
waits and starts when the first ends, slots run jobs side by side, and a session may queue only so many."""

from dataclasses import replace

import pytest

from mnist_cnn import config
from mnist_cnn.jobs.manager import FINISHED, QUEUED, RUNNING, JobManager, JobSpec, QueueLimitError
from mnist_cnn.jobs.work import WORK_KINDS
from tests.support.jobs import FAKE_BATCHES, TINY_SPEC, work_that_trains_quickly
from tests.support.server import copy_bundled_models

SAFETY_NET_SECONDS = 60   # a fake job takes about a second per epoch, plus its worker's start


def quick_spec(epochs: int) -> JobSpec:
    """A job of the quick fake work (no TensorFlow) lasting about `epochs` seconds."""
    return JobSpec(replace(TINY_SPEC.settings, epochs=epochs), kind="quick")


@pytest.fixture
def manager(tmp_path, monkeypatch):
    """A job manager on a private store and board, with the quick fake work registered; at the end its jobs are
    cancelled (their workers gone) and its dispatcher stopped."""
    monkeypatch.setitem(WORK_KINDS, "quick", work_that_trains_quickly)
    manager = JobManager(models_dir=copy_bundled_models(tmp_path / "models"), board_location=tmp_path / "jobs.db")
    yield manager
    for job in manager.list_jobs():
        manager.cancel(job.job_id)
    for job in manager.list_jobs():
        assert not manager.wait(SAFETY_NET_SECONDS, job.job_id).is_active
    manager.shutdown()


def test_a_second_job_waits_in_the_queue_and_starts_when_the_first_ends(manager):
    first = manager.start(quick_spec(epochs=2), owner="anna")
    second = manager.start(quick_spec(epochs=1), owner="ben")
    assert (first.status, second.status, second.queue_position) == (RUNNING, QUEUED, 1)
    assert second.estimated_start_seconds > 0
    assert manager.current(owner="ben").job_id == second.job_id  # each session follows its own job
    ended = manager.wait(SAFETY_NET_SECONDS, first.job_id)
    assert ended.status == FINISHED and ended.result_model_name == "fake-2-epochs"
    assert ended.history["loss"] == [0.5, 0.5] and ended.batch == FAKE_BATCHES
    done = manager.wait(SAFETY_NET_SECONDS, second.job_id)
    assert done.status == FINISHED, done.message
    assert done.started_at >= ended.ended_at  # it ran after the first, in the freed slot


def test_two_slots_run_two_jobs_side_by_side(manager):
    manager.slots = 2
    jobs = [manager.start(quick_spec(epochs=3), owner=f"student-{number}") for number in range(3)]
    assert [job.status for job in jobs] == [RUNNING, RUNNING, QUEUED]
    assert manager.list_jobs()[2].queue_position == 1


def test_a_session_may_have_only_so_many_jobs_queued_or_running(manager):
    for _ in range(config.MAX_QUEUED_JOBS_PER_SESSION):
        manager.start(quick_spec(epochs=30), owner="anna")
    with pytest.raises(QueueLimitError, match=f"at most {config.MAX_QUEUED_JOBS_PER_SESSION}"):
        manager.start(quick_spec(epochs=1), owner="anna")
    assert manager.start(quick_spec(epochs=1), owner="ben").status == QUEUED  # another tab is not limited
    mine = manager.list_jobs(owner="anna")
    assert manager.cancel(mine[-1].job_id)
    assert manager.start(quick_spec(epochs=1), owner="anna").is_queued  # a cancelled job frees its place
