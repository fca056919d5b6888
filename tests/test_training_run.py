"""Tests for the one training path: train_and_save, its lineage metadata and its per-epoch snapshots."""

import json

import numpy as np
import pytest

from mnist_cnn.evaluation.metrics import evaluate_model
from mnist_cnn.store.model_store import ModelStore
from mnist_cnn.training.lineage import (build_lineage, list_earlier_stages, make_stage, merge_history,
                                        migrate_metadata_file)
from mnist_cnn.training.run import TrainingHooks, train_and_save
from mnist_cnn.training.settings import FineTuneSettings, TrainingSettings, validate_settings
from mnist_cnn.training.snapshots import SnapshotError, SnapshotRecorder, build_epoch_model, load_snapshots

# A run small enough for a test: 600 training images, 300 test digits, batches of 64.
TINY_SETTINGS = TrainingSettings(epochs=2, batch_size=64, validation_split=0.1, steps_per_execution=2)


@pytest.fixture(scope="module")
def tiny_data(mnist):
    """600 training images and 300 test digits, in load_mnist's layout."""
    (x_train, y_train), (x_test, y_test) = mnist
    return (x_train[:600], y_train[:600]), (x_test[:300], y_test[:300])


@pytest.fixture(scope="module")
def trained(tmp_path_factory, tiny_data):
    """A store holding a two-epoch model and a one-epoch continuation of it: (store, first, continued)."""
    store = ModelStore(tmp_path_factory.mktemp("models"))
    first = train_and_save(TINY_SETTINGS, store, tiny_data, TrainingHooks(name="first", trained_with="test"))
    continued = train_and_save(TrainingSettings(epochs=1, batch_size=64, validation_split=0.0, base_model="first"),
                               store, tiny_data, TrainingHooks(name="continued", trained_with="test again"))
    return store, first, continued


def test_a_run_keeps_one_snapshot_per_epoch_that_reproduces_its_accuracy(trained, tiny_data):
    store, first, _ = trained
    snapshots = load_snapshots(store.snapshot_path("first"))
    assert snapshots.epochs.tolist() == [1, 2] and snapshots.test_digits == 300
    _, (x_test, y_test) = tiny_data
    model = store.load("first")
    for epoch, accuracy, confusion in zip(snapshots.epochs, snapshots.accuracies, snapshots.confusions):
        replayed = evaluate_model(build_epoch_model(model, snapshots, int(epoch)), x_test, y_test).accuracy
        assert replayed == pytest.approx(accuracy, abs=1e-9)
        assert confusion.sum() == 300 and np.trace(confusion) / 300 == pytest.approx(accuracy)
    assert first.metadata["test_accuracy"] == pytest.approx(evaluate_model(model, x_test, y_test).accuracy)


def test_a_run_keeps_its_test_set_evaluation_beside_the_model(trained, tiny_data):
    from mnist_cnn.store.evaluation_file import compute_test_set_sha256, load_evaluation

    store, first, _ = trained
    _, (x_test, y_test) = tiny_data
    kept = load_evaluation(first.model_path, y_test, first.metadata["file_sha256"],
                           compute_test_set_sha256(x_test, y_test))
    assert kept is not None and kept.accuracy == pytest.approx(first.metadata["test_accuracy"])
    np.testing.assert_allclose(kept.probabilities, evaluate_model(store.load("first"), x_test, y_test).probabilities,
                               atol=1e-6)


def test_a_continued_model_records_its_whole_lineage(trained):
    store, first, continued = trained
    metadata = continued.metadata
    assert [stage["how"] for stage in metadata["stages"]] == ["trained", "continued"]
    assert [stage["epochs"] for stage in metadata["stages"]] == [2, 1]
    assert metadata["stages"][0]["test_accuracy"] == first.metadata["test_accuracy"]
    assert metadata["base_model"] == "first"
    assert metadata["history"]["loss"][:2] == first.metadata["history"]["loss"]
    assert len(metadata["history"]["loss"]) == 3
    assert metadata["history"]["val_loss"][2] is None  # the continuation held nothing out
    assert metadata["total_training_seconds"] == pytest.approx(
        sum(stage["training_seconds"] for stage in metadata["stages"]), abs=0.05)
    replay = load_snapshots(store.snapshot_path("continued"))
    assert replay.epochs.tolist() == [1, 2, 3]  # the base model's epochs, then its own
    first_replay = load_snapshots(store.snapshot_path("first"))
    np.testing.assert_array_equal(replay.accuracies[:2], first_replay.accuracies)
    assert [model.name for model in store.list_models()] == ["continued", "first"]  # still well-typed metadata


def test_deleting_a_model_removes_its_snapshots(tmp_path, trained):
    store, _, _ = trained
    copy = ModelStore(tmp_path)
    for path in (*store.paths("first"), store.snapshot_path("first")):
        (tmp_path / path.name).write_bytes(path.read_bytes())
    copy.delete("first")
    assert list(tmp_path.iterdir()) == []


def test_a_missing_or_corrupt_snapshot_file_is_a_clear_error(tmp_path, trained):
    with pytest.raises(SnapshotError, match="does not exist"):
        load_snapshots(tmp_path / "none.snapshots.npz")
    broken = tmp_path / "broken.snapshots.npz"
    broken.write_bytes(b"not a zip file")
    with pytest.raises(SnapshotError, match="corrupt"):
        load_snapshots(broken)
    store, _, _ = trained
    truncated = tmp_path / "truncated.snapshots.npz"
    truncated.write_bytes(store.snapshot_path("first").read_bytes()[:5000])
    with pytest.raises(SnapshotError, match="corrupt"):
        load_snapshots(truncated)


def test_snapshots_are_thinned_to_stay_under_their_size_bound():
    recorder = SnapshotRecorder(np.zeros((1, 28, 28), np.uint8), np.zeros(1), max_bytes=1000)
    for epoch in range(1, 11):
        recorder.entries.append((epoch, 0.5, np.zeros((10, 10)), [np.zeros(100, np.float16)]))  # 200 bytes each
        recorder.thin_to_fit()
    kept = [entry[0] for entry in recorder.entries]
    assert len(kept) * 200 <= 1000 and kept[-1] == 10 and kept == sorted(kept)


def test_merge_history_puts_earlier_epochs_first_and_pads_missing_metrics():
    merged = merge_history({"loss": [3.0, 2.0]}, {"loss": [1.0], "val_loss": [1.5]})
    assert merged == {"loss": [3.0, 2.0, 1.0], "val_loss": [None, None, 1.5]}


def test_a_model_from_before_stages_becomes_one_stage_of_the_lineage():
    older = {"trained_with": "the Retrain panel", "hyperparameters": {"epochs": 3}, "training_seconds": 30.0,
             "history": {"loss": [1.0, 0.5, 0.4]}, "base_model": None, "test_accuracy": 0.9}
    stage = make_stage("continued", "the Retrain panel", {"epochs": 1}, 1, 12.0, 0.95)
    lineage = build_lineage(older, stage, {"loss": [0.3]}, [12.0])
    assert [item["how"] for item in lineage["stages"]] == ["trained", "continued"]
    assert lineage["stages"][0]["test_accuracy"] == 0.9 and lineage["stages"][0]["epochs"] == 3
    assert lineage["total_training_seconds"] == 42.0 and lineage["history"]["loss"] == [1.0, 0.5, 0.4, 0.3]
    assert list_earlier_stages({}) == []
    with pytest.raises(ValueError, match="not 'guessed'"):
        make_stage("guessed", "", {}, 1, 1.0, None)


def test_migration_fills_the_stage_fields_and_leaves_the_rest(tmp_path):
    path = tmp_path / "old.json"
    stages = [{"trained_with": "python -m mnist_cnn train --epochs 2", "hyperparameters": {"epochs": 2},
               "training_seconds": 10.0},
              {"trained_with": "python -m mnist_cnn blend a b --share 0.5", "hyperparameters": {"blend": {}},
               "training_seconds": 0.0}]
    path.write_text(json.dumps({"test_accuracy": 0.97, "file_sha256": "abc", "stages": stages}))
    assert migrate_metadata_file(path) and not migrate_metadata_file(path)
    migrated = json.loads(path.read_text())
    assert [stage["how"] for stage in migrated["stages"]] == ["trained", "blended"]
    assert [stage["test_accuracy"] for stage in migrated["stages"]] == [None, 0.97]
    assert migrated["file_sha256"] == "abc" and migrated["total_training_seconds"] == 10.0


@pytest.mark.parametrize("settings, message", [
    (TrainingSettings(epochs=0), "Epochs"),
    (TrainingSettings(batch_size=2), "Batch size"),
    (TrainingSettings(base_model="../x"), "base model"),
    (FineTuneSettings(epochs=50), "Fine-tuning epochs"),
    (FineTuneSettings(holdout_fraction=1.0), "held-out"),
])
def test_one_function_validates_every_kind_of_settings(settings, message):
    with pytest.raises(ValueError, match=message):
        validate_settings(settings)



def test_the_replay_ends_on_the_saved_weights_when_they_changed_after_the_epochs(tmp_path, tiny_data):
    from mnist_cnn.training.run import train_on_mnist

    def train_then_change(settings, base_model, data, progress, cancel_event, callbacks):
        outcome = train_on_mnist(settings, base_model, data, progress, cancel_event, callbacks)
        model = outcome.training.model
        model.set_weights([0.5 * weight for weight in model.get_weights()])  # as a fine-tune's blend does
        return outcome

    store = ModelStore(tmp_path)
    train_and_save(TINY_SETTINGS, store, tiny_data, TrainingHooks(name="changed", train_step=train_then_change))
    snapshots, saved = load_snapshots(store.snapshot_path("changed")), store.load("changed")
    assert snapshots.epochs.tolist() == [1, 2]
    np.testing.assert_array_equal(snapshots.weights[-1][0], saved.get_weights()[0].astype(np.float16))
    _, (x_test, y_test) = tiny_data
    replayed = evaluate_model(build_epoch_model(saved, snapshots, 2), x_test, y_test).accuracy
    assert snapshots.accuracies[-1] == pytest.approx(replayed, abs=1e-9)
