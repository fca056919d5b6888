"""Tests for the background training job: it trains and saves, cancels cleanly, and further starts queue."""

import os
import signal
import threading
import time
from dataclasses import replace

import pytest

from mnist_cnn import config
from mnist_cnn.jobs.manager import (CANCELLED, FAILED, FINISHED, QUEUED, RUNNING, JobManager, JobSnapshot, JobSpec,
                                    remove_temporary_files)
from mnist_cnn.jobs.work import WORK_KINDS
from mnist_cnn.store.model_store import ModelStore
from mnist_cnn.training.settings import TrainingSettings
from tests.support.jobs import STUCK_PHASE, TINY_SPEC, files_in, work_that_never_checks_cancel
from tests.support.server import BUNDLED_MODEL_FILES, copy_bundled_models

WAIT_SECONDS = 240   # generous: the worker imports TensorFlow on a shared, busy machine
SAFETY_NET_SECONDS = 60   # a job told to stop ends long before this (its server kills it 1 s after Cancel)


def wait_for(manager: JobManager, condition, timeout: float = WAIT_SECONDS) -> JobSnapshot:
    """Poll the manager until condition(snapshot) holds or the job ends; return the snapshot."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        snapshot = manager.current()
        if condition(snapshot) or not snapshot.is_running:
            return snapshot
        time.sleep(0.05)
    raise AssertionError(f"timed out; last state {manager.current()}")


@pytest.fixture
def models_dir(tmp_path, monkeypatch):
    """A private store holding a copy of the bundled default model (and a private job board)."""
    monkeypatch.setattr(config, "USER_DATA_DIR", tmp_path / "user_data")
    return copy_bundled_models(tmp_path / "models")


@pytest.mark.parametrize("changes, message", [
    ({"epochs": 0}, "Epochs"),
    ({"epochs": config.MAX_EPOCHS + 1}, "Epochs"),
    ({"batch_size": config.MAX_BATCH_SIZE + 1}, "Batch size"),
    ({"batch_size": 1}, "Batch size"),
    ({"learning_rate": 0.5}, "Learning rate"),
    ({"learning_rate": 0.0}, "Learning rate"),
    ({"train_subset": config.MIN_TRAIN_SUBSET - 1}, "subset"),
    ({"train_subset": config.MAX_TRAIN_SUBSET + 1}, "subset"),
    ({"architecture": "resnet152"}, "Unknown architecture"),
    ({"lr_schedule": "step"}, "schedule"),
    ({"base_model": "../etc/passwd"}, "base model"),
])
def test_specs_outside_the_bounds_are_refused_with_a_clear_message(changes, message, models_dir):
    spec = JobSpec(replace(TINY_SPEC.settings, **changes))
    with pytest.raises(ValueError, match=message):
        spec.validate()
    with pytest.raises(ValueError, match=message):
        JobManager(models_dir=models_dir).start(spec)


def test_an_unknown_kind_of_job_is_refused(models_dir):
    with pytest.raises(ValueError, match="kind"):
        JobManager(models_dir=models_dir).start(JobSpec(TINY_SPEC.settings, kind="mine_bitcoin"))


def test_quick_defaults_are_within_the_bounds():
    JobSpec().validate()
    assert JobSpec().settings.training_images() == 57_000  # 5% of the 60,000 held out for validation
    assert TrainingSettings(train_subset=1000, validation_split=0.05).training_images() == 950


def test_snapshot_fractions_and_unknown_progress():
    spec = JobSpec(TrainingSettings(epochs=4))
    snapshot = JobSnapshot(job_id="x", spec=spec, status=RUNNING, phase="training", epoch=2,
                           batch=50, batches_per_epoch=100, history={}, batch_trace=[], started_at=0.0,
                           elapsed_seconds=10.0, eta_seconds=None, cancel_requested=False)
    assert snapshot.epoch_fraction == 0.5
    assert snapshot.overall_fraction == pytest.approx(1.5 / 4)
    starting = JobSnapshot(**{**snapshot.__dict__, "epoch": 0, "batch": 0, "batches_per_epoch": 0})
    assert starting.epoch_fraction == 0.0 and starting.overall_fraction == 0.0


def test_a_jobs_temporary_files_are_removed_by_its_tag_only(tmp_path):
    names = [".tmp-job-abc-1.keras", ".tmp-job-abcd-2.keras", ".tmp-3.keras", "a.keras"]
    for name in names:
        (tmp_path / name).write_bytes(b"x")
    remove_temporary_files(tmp_path, tag="job-abc")
    assert files_in(tmp_path) == [".tmp-3.keras", ".tmp-job-abcd-2.keras", "a.keras"]


def test_stale_temporary_files_are_removed_and_fresh_ones_kept(tmp_path):
    stale, fresh, model = tmp_path / ".tmp-old.keras", tmp_path / ".tmp-new.keras", tmp_path / "a.keras"
    for path in (stale, fresh, model):
        path.write_bytes(b"x")
    os.utime(stale, (time.time() - 3600, time.time() - 3600))
    remove_temporary_files(tmp_path, older_than=time.time() - 300)
    assert files_in(tmp_path) == [".tmp-new.keras", "a.keras"]


@pytest.mark.slow
def test_a_tiny_job_trains_evaluates_saves_and_appears_in_the_store(models_dir):
    manager = JobManager(models_dir=models_dir)
    started = manager.start(TINY_SPEC)
    assert started.status == RUNNING and started.phase == "starting"
    seen_batches = wait_for(manager, lambda s: s.batch > 0)
    assert seen_batches.batches_per_epoch == 15  # 900 training images / 64 per batch
    finished = manager.wait(WAIT_SECONDS)
    assert finished.status == FINISHED, finished.message
    assert finished.overall_fraction == 1.0 and finished.batch == finished.batches_per_epoch
    assert len(finished.history["loss"]) == 1 and "val_accuracy" in finished.history
    assert finished.batch_trace and finished.elapsed_seconds > 0
    stored = ModelStore(models_dir).get(finished.result_model_name)
    assert stored.metadata["architecture"] == "keras_example"
    assert stored.metadata["hyperparameters"]["train_subset"] == 1000
    assert stored.metadata["test_accuracy"] == pytest.approx(finished.test_accuracy)
    assert 0.1 < finished.test_accuracy <= 1.0  # measured on the full test set by the worker
    names = [model.name for model in ModelStore(models_dir).list_models()]
    assert names == ["default", finished.result_model_name]
    assert not [name for name in files_in(models_dir) if name.startswith(".tmp-")]


@pytest.mark.slow
def test_cancel_during_training_stops_within_a_batch_and_leaves_no_file(models_dir):
    manager = JobManager(models_dir=models_dir)
    manager.start(JobSpec(TrainingSettings(architecture="keras_example", epochs=30, batch_size=32,
                                           train_subset=20_000)))
    training = wait_for(manager, lambda s: s.batch > 0)
    assert training.is_running, training.message
    assert manager.cancel() is True
    asked = manager.current()
    ended = wait_for(manager, lambda s: False, timeout=SAFETY_NET_SECONDS)
    assert ended.status == CANCELLED and "nothing was saved" in ended.message
    # Stopped within one batch of Cancel: after it came at most the report already on its way and the one of the
    # batch in progress (a worker that ignored Cancel reports about ten a second until its server kills it), and
    # no epoch ended.
    assert len(ended.batch_trace) - len(asked.batch_trace) <= 2
    assert ended.history == asked.history
    assert ended.result_model_name is None
    assert files_in(models_dir) == BUNDLED_MODEL_FILES
    assert manager.cancel() is False  # nothing left to cancel


def test_cancel_while_the_worker_starts_up_ends_the_job_before_it_trains(models_dir):
    manager = JobManager(models_dir=models_dir)
    manager.start(TINY_SPEC)
    manager.cancel()
    ended = wait_for(manager, lambda s: False, timeout=SAFETY_NET_SECONDS)
    assert ended.status == CANCELLED
    assert ended.epoch == ended.batch == 0 and ended.batch_trace == [] and ended.history == {}  # never trained
    manager.process_of(ended.job_id).join(timeout=SAFETY_NET_SECONDS)
    assert not manager.process_of(ended.job_id).is_alive()
    assert files_in(models_dir) == BUNDLED_MODEL_FILES


@pytest.mark.slow
def test_a_worker_that_cannot_see_cancel_is_terminated(models_dir, monkeypatch):
    monkeypatch.setitem(WORK_KINDS, "stuck", work_that_never_checks_cancel)  # busy as if importing TensorFlow
    manager = JobManager(models_dir=models_dir)
    manager.start(JobSpec(TINY_SPEC.settings, kind="stuck"))
    stuck = wait_for(manager, lambda s: s.phase == STUCK_PHASE)
    assert stuck.is_running, stuck.message
    assert any(name.startswith(f".tmp-job-{stuck.job_id}-") for name in files_in(models_dir))  # its half save
    (models_dir / ".tmp-another-save.keras").write_bytes(b"another save in progress, newer than the job")
    manager.cancel()
    ended = wait_for(manager, lambda s: False, timeout=SAFETY_NET_SECONDS)  # the worker alone would sleep on
    assert ended.status == CANCELLED and "nothing was saved" in ended.message
    manager.process_of(ended.job_id).join(timeout=SAFETY_NET_SECONDS)
    assert manager.process_of(ended.job_id).exitcode == -signal.SIGTERM  # the server stopped it
    # The killed worker's temporary file is removed; another save's, though newer than the job, is not.
    assert files_in(models_dir) == sorted([*BUNDLED_MODEL_FILES, ".tmp-another-save.keras"])


def test_concurrent_starts_give_one_running_job_and_a_queue(models_dir):
    manager = JobManager(models_dir=models_dir)
    barrier, outcomes = threading.Barrier(4), []

    def try_to_start(owner: str):
        barrier.wait()
        outcomes.append(manager.start(TINY_SPEC, owner=owner))

    threads = [threading.Thread(target=try_to_start, args=(f"student-{number}",)) for number in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    jobs = manager.list_jobs()
    assert [job.status for job in jobs] == [RUNNING, QUEUED, QUEUED, QUEUED]  # one slot (config.JOB_SLOTS)
    assert [job.queue_position for job in jobs[1:]] == [1, 2, 3]
    assert sorted(job.job_id for job in jobs) == sorted(outcome.job_id for outcome in outcomes)
    assert manager.current(owner=jobs[2].owner).job_id == jobs[2].job_id  # each session sees its own
    for job in jobs[1:]:
        assert manager.cancel(job.job_id)  # a queued job is cancelled at once
    assert [job.status for job in manager.list_jobs()[1:]] == [CANCELLED] * 3
    manager.cancel(jobs[0].job_id)
    assert manager.wait(SAFETY_NET_SECONDS, jobs[0].job_id).status == CANCELLED
    second = manager.start(TINY_SPEC)  # once the first has ended, a new job starts at once
    assert second.status == RUNNING and second.job_id != jobs[0].job_id
    manager.cancel()
    assert manager.wait(SAFETY_NET_SECONDS).status == CANCELLED


@pytest.mark.slow
def test_a_failing_worker_is_reported_and_the_server_goes_on(models_dir):
    manager = JobManager(models_dir=models_dir)
    manager.start(JobSpec(replace(TINY_SPEC.settings, base_model="no-such-model")))
    ended = manager.wait(WAIT_SECONDS)
    assert ended.status == FAILED
    assert "no-such-model" in ended.message
    assert files_in(models_dir) == BUNDLED_MODEL_FILES


@pytest.mark.slow
def test_a_job_can_continue_training_a_stored_model(models_dir):
    manager = JobManager(models_dir=models_dir)
    manager.start(JobSpec(replace(TINY_SPEC.settings, architecture="batchnorm_cnn", base_model="default")))
    ended = manager.wait(WAIT_SECONDS)
    assert ended.status == FINISHED, ended.message
    metadata = ModelStore(models_dir).get(ended.result_model_name).metadata
    default_metadata = ModelStore(models_dir).get("default").metadata
    assert metadata["base_model"] == "default"
    assert metadata["architecture"] == default_metadata["architecture"]  # the base model's, not the spec's
    assert (models_dir / "default.keras").exists()  # the bundled model is never overwritten


def test_a_full_store_refuses_a_job_with_a_message_and_deletes_nothing(models_dir, monkeypatch):
    from mnist_cnn.store.model_store import StoreFullError

    monkeypatch.setattr(config, "MAX_STORED_MODELS", 1)
    for suffix in (".keras", ".json"):
        (models_dir / f"trained{suffix}").write_bytes((models_dir / f"default{suffix}").read_bytes())
    manager = JobManager(models_dir=models_dir)
    with pytest.raises(StoreFullError, match="store is full"):
        manager.start(TINY_SPEC)
    assert manager.current() is None
    assert files_in(models_dir) == sorted([*BUNDLED_MODEL_FILES, "trained.json", "trained.keras"])


def test_a_base_model_name_ending_in_a_newline_is_refused():
    with pytest.raises(ValueError, match="base model"):
        JobSpec(replace(TINY_SPEC.settings, base_model="default\n")).validate()
