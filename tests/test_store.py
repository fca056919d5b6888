"""Tests for the model store: round-trips, atomic saves, corrupt files, and the protected default."""

import json

import numpy as np
import pytest

from mnist_cnn import config
from mnist_cnn.store import ModelStore, ModelStoreError, build_metadata, load_keras_model


def save_tiny(store, model, name="tiny"):
    metadata = build_metadata(model, "keras_example", {"epochs": 1}, {"loss": [1.0]}, [1.0], 1.0, 0.5, 0.9)
    return store.save(model, metadata, name)


def test_save_load_round_trip_gives_identical_predictions(tmp_path, tiny_trained_model, random_images):
    store = ModelStore(tmp_path)
    stored = save_tiny(store, tiny_trained_model)
    loaded = store.load("tiny")
    np.testing.assert_allclose(np.asarray(loaded(random_images, training=False)),
                               np.asarray(tiny_trained_model(random_images, training=False)), atol=1e-6)
    meta = json.loads(stored.metadata_path.read_text())
    for key in ["architecture", "hyperparameters", "history", "training_seconds", "test_loss",
                "test_accuracy", "parameter_count", "created_at", "keras_version",
                "tensorflow_version", "data_sha256", "file_sha256"]:
        assert key in meta
    assert meta["parameter_count"] == 34_826
    assert [m.name for m in store.list_models()] == ["tiny"]
    assert not list(tmp_path.glob(".tmp-*")), "no temporary files are left behind"


def test_truncated_model_file_gives_a_clear_error(tmp_path, tiny_trained_model):
    store = ModelStore(tmp_path)
    stored = save_tiny(store, tiny_trained_model)
    data = stored.model_path.read_bytes()
    stored.model_path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ModelStoreError, match="corrupt or truncated"):
        load_keras_model(stored.model_path)
    models, problems = store.scan()
    assert models == [] and problems[0].name == "tiny"


def test_garbage_inside_a_valid_zip_gives_a_clear_error(tmp_path):
    import zipfile

    broken = tmp_path / "broken.keras"
    with zipfile.ZipFile(broken, "w") as archive:
        archive.writestr("config.json", "{not json")
    with pytest.raises(ModelStoreError, match="could not be loaded"):
        load_keras_model(broken)


def test_missing_file_gives_a_clear_error(tmp_path):
    with pytest.raises(ModelStoreError, match="does not exist"):
        load_keras_model(tmp_path / "absent.keras")


def test_corrupt_metadata_and_orphans_are_reported_and_skipped(tmp_path, tiny_trained_model):
    store = ModelStore(tmp_path)
    save_tiny(store, tiny_trained_model, "good")
    bad = save_tiny(store, tiny_trained_model, "bad-json")
    bad.metadata_path.write_text("{truncated")
    (tmp_path / "orphan.keras").write_bytes(b"PK")
    (tmp_path / ".tmp-abc.keras").write_bytes(b"half a save")
    models, problems = store.scan()
    assert [m.name for m in models] == ["good"]
    assert sorted(p.name for p in problems) == ["bad-json", "orphan"]


def test_default_is_never_overwritten_or_deleted(tmp_path, tiny_trained_model):
    store = ModelStore(tmp_path)
    with pytest.raises(ValueError, match="never overwritten"):
        save_tiny(store, tiny_trained_model, config.DEFAULT_MODEL_NAME)
    with pytest.raises(ValueError, match="cannot be deleted"):
        store.delete(config.DEFAULT_MODEL_NAME)


def test_failed_save_leaves_no_file(tmp_path, tiny_trained_model, monkeypatch):
    store = ModelStore(tmp_path)

    def crash(path):
        path.write_bytes(b"partial")
        raise KeyboardInterrupt("killed mid-save")

    monkeypatch.setattr(tiny_trained_model, "save", crash)
    with pytest.raises(KeyboardInterrupt):
        save_tiny(store, tiny_trained_model, "crashed")
    assert list(tmp_path.iterdir()) == []


def test_invalid_names_are_refused(tmp_path, tiny_trained_model):
    with pytest.raises(ValueError, match="Invalid model name"):
        save_tiny(ModelStore(tmp_path), tiny_trained_model, "../escape")


def test_bundled_default_is_listed_first_with_its_metadata():
    models = ModelStore(config.MODELS_DIR).list_models()
    assert models and models[0].is_default
    assert models[0].metadata["test_accuracy"] >= 0.996
