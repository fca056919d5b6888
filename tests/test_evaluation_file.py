"""A model's kept test-set evaluation: round trip, and ignored when stale, damaged or foreign."""

import numpy as np
import pytest

from mnist_cnn.evaluation.metrics import make_evaluation
from mnist_cnn.store.evaluation_file import (MAX_EVALUATION_BYTES, compute_test_set_sha256, get_evaluation_path,
                                             load_evaluation, save_evaluation)

LABELS = np.array([3, 1, 4, 1, 5])


@pytest.fixture
def kept(tmp_path):
    """A model path whose evaluation (5 samples, 2 of them wrong) is kept beside it: (path, evaluation)."""
    generator = np.random.default_rng(0)
    probabilities = generator.random((5, 10)).astype(np.float32)
    probabilities /= probabilities.sum(axis=1, keepdims=True)
    evaluation = make_evaluation(probabilities, LABELS)
    model_path = tmp_path / "mine.keras"
    save_evaluation(model_path, evaluation, "model-hash", "test-hash")
    return model_path, evaluation


def test_a_kept_evaluation_reads_back_the_same(kept):
    model_path, evaluation = kept
    assert get_evaluation_path(model_path).name == "mine.evaluation.npz"
    loaded = load_evaluation(model_path, LABELS, "model-hash", "test-hash")
    np.testing.assert_array_equal(loaded.probabilities, evaluation.probabilities)
    np.testing.assert_array_equal(loaded.predictions, evaluation.predictions)
    np.testing.assert_allclose(loaded.losses, evaluation.losses)
    assert loaded.accuracy == evaluation.accuracy


@pytest.mark.parametrize("model_hash, test_hash", [("other-model", "test-hash"), ("model-hash", "other-test")])
def test_an_evaluation_of_another_model_file_or_test_set_is_ignored(kept, model_hash, test_hash):
    assert load_evaluation(kept[0], LABELS, model_hash, test_hash) is None


def test_a_missing_damaged_oversized_or_misshapen_file_is_ignored(kept):
    model_path, _ = kept
    path = get_evaluation_path(model_path)
    assert load_evaluation(model_path, LABELS[:4], "model-hash", "test-hash") is None  # wrong sample count
    path.write_bytes(path.read_bytes()[:100])  # truncated
    assert load_evaluation(model_path, LABELS, "model-hash", "test-hash") is None
    path.write_bytes(b"\0" * (MAX_EVALUATION_BYTES + 1))
    assert load_evaluation(model_path, LABELS, "model-hash", "test-hash") is None
    path.unlink()
    assert load_evaluation(model_path, LABELS, "model-hash", "test-hash") is None


def test_the_test_set_fingerprint_changes_with_any_pixel_or_label():
    images, labels = np.zeros((4, 28, 28), np.uint8), np.arange(4)
    reference = compute_test_set_sha256(images, labels)
    changed = images.copy()
    changed[2, 5, 5] = 1
    assert compute_test_set_sha256(changed, labels) != reference
    assert compute_test_set_sha256(images, labels[::-1]) != reference
    assert compute_test_set_sha256(images.copy(), labels.copy()) == reference


def test_the_bundled_model_ships_its_evaluation(mnist):
    from mnist_cnn import config
    from mnist_cnn.data.mnist import compute_sha256
    from mnist_cnn.store.model_store import ModelStore

    _, (x_test, y_test) = mnist
    stored = ModelStore(config.PROJECT_ROOT / "models").get(config.DEFAULT_MODEL_NAME)
    loaded = load_evaluation(stored.model_path, y_test, compute_sha256(stored.model_path),
                             compute_test_set_sha256(x_test, y_test))
    assert loaded is not None, "run `python -m mnist_cnn evaluate` to keep the bundled model's evaluation"
    assert loaded.accuracy == stored.metadata["test_accuracy"]


def test_deleting_a_model_deletes_its_kept_evaluation(tmp_path, tiny_trained_model):
    from mnist_cnn.store.model_store import ModelStore

    store = ModelStore(tmp_path)
    stored = store.save(tiny_trained_model, {"architecture": "keras_example"}, "tiny")
    save_evaluation(stored.model_path, make_evaluation(np.full((1, 10), 0.1, np.float32), [0]), "a", "b")
    store.delete("tiny")
    assert list(tmp_path.iterdir()) == []
