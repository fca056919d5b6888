"""Tests for the model store: round-trips, atomic saves, corrupt files, and the protected default."""

import json
import os
import time

import numpy as np
import pytest

from mnist_cnn import config
from mnist_cnn.store.model_store import ModelStore, ModelStoreError, StoreFullError, build_metadata, load_keras_model


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


@pytest.mark.parametrize("field, value, words", [
    ("created_at", 1732240000, "created_at"),
    ("test_accuracy", "99%", "test_accuracy"),
    ("test_accuracy", 7.5, "test_accuracy"),
    ("parameter_count", None, "parameter_count"),
    ("parameter_count", True, "parameter_count"),
    ("architecture", ["keras_example"], "architecture"),
    ("history", {"loss": ["low"]}, "history"),
    ("hyperparameters", "fast", "hyperparameters"),
    ("finetune", {"before": 1}, "finetune"),
])
def test_metadata_of_the_wrong_type_is_reported_and_skipped(tmp_path, tiny_trained_model, field, value, words):
    store = ModelStore(tmp_path)
    save_tiny(store, tiny_trained_model, "good")
    bad = save_tiny(store, tiny_trained_model, "bad")
    bad.metadata_path.write_text(json.dumps({**json.loads(bad.metadata_path.read_text()), field: value}))
    models, problems = store.scan()
    assert [m.name for m in models] == ["good"]
    assert [p.name for p in problems] == ["bad"] and words in problems[0].message
    assert (tmp_path / "bad.keras").exists()  # reported, not deleted


def test_model_names_must_match_in_full(tmp_path, tiny_trained_model):
    store = ModelStore(tmp_path)
    for name in ("tiny\n", "tiny\nother", "x" * 82):
        with pytest.raises(ValueError, match="Invalid model name"):
            save_tiny(store, tiny_trained_model, name)
    with pytest.raises(ValueError, match="Invalid model name"):
        store.delete("default2\n")
    assert list(tmp_path.iterdir()) == []


def test_the_scan_is_cached_until_the_folder_changes(tmp_path, tiny_trained_model, monkeypatch):
    import mnist_cnn.store.model_store as store_module

    store = ModelStore(tmp_path)
    save_tiny(store, tiny_trained_model, "first")
    reads = []
    read_metadata = store_module.read_metadata
    monkeypatch.setattr(store_module, "read_metadata", lambda path: reads.append(path.name) or read_metadata(path))
    assert [m.name for m in store.list_models()] == ["first"]
    assert [m.name for m in ModelStore(tmp_path).list_models()] == ["first"]  # a new store object, same folder
    assert reads == ["first.keras"]  # read once
    second = save_tiny(store, tiny_trained_model, "second")
    assert sorted(m.name for m in store.list_models()) == ["first", "second"]
    metadata = json.loads(second.metadata_path.read_text())
    second.metadata_path.write_text(json.dumps({**metadata, "test_accuracy": "high"}))  # same folder, new content
    models, problems = store.scan()
    assert [m.name for m in models] == ["first"] and [p.name for p in problems] == ["second"]


def test_a_full_store_refuses_to_take_another_model_and_deletes_nothing(tmp_path, tiny_trained_model, monkeypatch):
    from mnist_cnn.store.model_store import StoreFullError

    monkeypatch.setattr(config, "MAX_STORED_MODELS", 2)
    store = ModelStore(tmp_path)
    store.check_room()
    save_tiny(store, tiny_trained_model, "one")
    (tmp_path / "corrupt.keras").write_bytes(b"not a model")  # unusable files take room too
    with pytest.raises(StoreFullError, match="full .*2 trained models.*Delete"):
        store.check_room()
    assert sorted(path.name for path in tmp_path.iterdir()) == ["corrupt.keras", "one.json", "one.keras"]


def test_a_save_that_fails_between_its_two_steps_shows_no_half_model(tmp_path, tiny_trained_model, monkeypatch):
    import mnist_cnn.store.model_store as store_module

    store = ModelStore(tmp_path)
    save_tiny(store, tiny_trained_model, "kept")
    replace = os.replace

    def fail_on_the_model(source, target):
        if str(target).endswith("half.keras"):
            raise OSError("disk full")
        replace(source, target)

    monkeypatch.setattr(store_module.os, "replace", fail_on_the_model)
    with pytest.raises(OSError, match="disk full"):
        save_tiny(store, tiny_trained_model, "half")
    models, problems = store.scan()
    assert [m.name for m in models] == ["kept"] and problems == []
    assert store.remove_leftovers(older_than_seconds=0) == ["half.json"]
    assert sorted(path.name for path in tmp_path.iterdir()) == ["kept.json", "kept.keras"]


def test_leftovers_are_removed_only_when_stale_and_never_the_default_metadata(tmp_path):
    for name in ("a.json", ".tmp-x.keras", "default.json", "b.keras", "b.json"):
        (tmp_path / name).write_text("{}")
    assert ModelStore(tmp_path).remove_leftovers() == []  # fresh: maybe a save in progress
    old = time.time() - 3600
    for path in tmp_path.iterdir():
        os.utime(path, (old, old))
    assert sorted(ModelStore(tmp_path).remove_leftovers()) == [".tmp-x.keras", "a.json"]
    assert sorted(path.name for path in tmp_path.iterdir()) == ["b.json", "b.keras", "default.json"]


def test_stale_snapshots_without_their_model_are_leftovers_and_kept_with_it(tmp_path):
    for name in ("gone.v2.snapshots.npz", "b.keras", "b.json", "b.snapshots.npz"):
        (tmp_path / name).write_text("{}")
    old = time.time() - 3600
    for path in tmp_path.iterdir():
        os.utime(path, (old, old))
    assert ModelStore(tmp_path).remove_leftovers() == ["gone.v2.snapshots.npz"]
    assert sorted(path.name for path in tmp_path.iterdir()) == ["b.json", "b.keras", "b.snapshots.npz"]


def test_the_advice_for_an_empty_store_fits_its_folder(tmp_path):
    from mnist_cnn.store.restore import describe_empty_store

    bundled = describe_empty_store(config.PROJECT_ROOT / "models")
    assert "git checkout -- models/" in bundled
    elsewhere = describe_empty_store(tmp_path)
    assert f"{tmp_path}/" in elsewhere and "cp " in elsewhere and "git checkout" not in elsewhere


def test_a_process_tags_its_temporary_files(tmp_path, monkeypatch):
    from mnist_cnn.store import files

    monkeypatch.setattr(files, "TEMPORARY_TAG", "")
    files.tag_temporary_files("job-42")
    written = files.write_temporary(tmp_path, ".json", lambda path: path.write_text("{}"))
    assert written.name.startswith(".tmp-job-42-") and written.suffix == ".json"


def test_two_names_reserved_in_the_same_second_differ_and_each_save_keeps_its_own(tmp_path, tiny_trained_model,
                                                                                    monkeypatch):
    import mnist_cnn.store.model_store as store_module
    from datetime import datetime, timezone

    class FrozenClock(datetime):
        @classmethod
        def now(cls, tz=None):
            return datetime(2030, 1, 2, 3, 4, 5, tzinfo=timezone.utc)

    monkeypatch.setattr(store_module, "datetime", FrozenClock)
    store = ModelStore(tmp_path)
    first, second = store.reserve_name("uploaded-x"), store.reserve_name("uploaded-x")  # neither saved yet
    assert (first, second) == ("uploaded-x-20300102-030405", "uploaded-x-20300102-030405-2")
    assert store.scan() == ([], [])  # a reservation is never listed
    save_tiny(store, tiny_trained_model, second)
    save_tiny(store, tiny_trained_model, first)
    assert sorted(stored.name for stored in store.list_models()) == [first, second]


def test_unreadable_model_files_count_and_can_be_deleted_by_their_file_name(tmp_path, tiny_trained_model,
                                                                             monkeypatch):
    store = ModelStore(tmp_path)
    nan_loss = save_tiny(store, tiny_trained_model, "nan-loss")
    nan_loss.metadata_path.write_text(json.dumps({**nan_loss.metadata, "test_loss": float("nan")}))
    (tmp_path / "odd name!.keras").write_bytes(b"not a zip")
    (tmp_path / "odd name!.json").write_text("{}")
    models, problems = store.scan()
    assert models == [] and sorted(problem.name for problem in problems) == ["nan-loss", "odd name!"]
    monkeypatch.setattr(config, "MAX_STORED_MODELS", 2)
    with pytest.raises(StoreFullError):
        store.check_room()
    for problem in problems:
        store.delete(problem.name)
    store.check_room()
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(ValueError, match="Invalid model name"):
        store.delete("no such file!")
