"""Download and upload of models: a round trip through the zip, and bad uploads refused with a clear reason."""

import io
import zipfile

import keras
import numpy as np
import pytest

from mnist_cnn.model.architectures import build_model
from mnist_cnn.model.inference import classify
from mnist_cnn.store.exchange import ModelExchangeError, export_model_zip, import_model
from mnist_cnn.store.model_store import ModelStore


def keras_bytes(model: keras.Model, tmp_path) -> bytes:
    path = tmp_path / "model.keras"
    model.save(path)
    return path.read_bytes()


@pytest.fixture
def store(tmp_path):
    return ModelStore(tmp_path / "store")


def test_download_then_upload_round_trips_the_model(tiny_trained_model, store, mnist, tmp_path):
    _, (x_test, y_test) = mnist
    original = store.save(tiny_trained_model, {"architecture": "keras_example", "test_accuracy": 0.9}, "mine")
    archive = zipfile.ZipFile(io.BytesIO(export_model_zip(original)))
    assert sorted(archive.namelist()) == ["mine.json", "mine.keras"]
    assert b'"test_accuracy": 0.9' in archive.read("mine.json")
    uploaded = import_model(store, export_model_zip(original), "mine.zip", x_test[:500], y_test[:500])
    assert uploaded.name.startswith("uploaded-mine-")
    assert uploaded.metadata["architecture"] == "uploaded" and 0.5 < uploaded.metadata["test_accuracy"] <= 1.0
    reloaded = store.load(uploaded.name)
    image = x_test[0].astype("float32") / 255.0
    np.testing.assert_allclose(classify(reloaded, image).probabilities,
                               classify(tiny_trained_model, image).probabilities, atol=1e-6)


def test_a_plain_keras_file_is_accepted(store, mnist, tmp_path):
    _, (x_test, y_test) = mnist
    stored = import_model(store, keras_bytes(build_model("keras_example"), tmp_path), "my net.keras",
                          x_test[:100], y_test[:100])
    assert stored.name.startswith("uploaded-my-net-") and stored.name in [m.name for m in store.list_models()]


@pytest.mark.parametrize("build, words", [
    (lambda: keras.Sequential([keras.Input((32, 32, 3)), keras.layers.Flatten(),
                               keras.layers.Dense(10, activation="softmax")]), "28×28×1"),
    (lambda: keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(),
                               keras.layers.Dense(5, activation="softmax")]), "10 outputs"),
    (lambda: keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(), keras.layers.Dense(10)]),
     "softmax"),
])
def test_models_of_the_wrong_shape_are_refused(build, words, store, tmp_path, mnist):
    _, (x_test, y_test) = mnist
    with pytest.raises(ModelExchangeError, match=words):
        import_model(store, keras_bytes(build(), tmp_path), "bad.keras", x_test[:10], y_test[:10])
    assert store.list_models() == []


def test_unsafe_lambda_layers_are_refused_by_safe_mode(store, tmp_path, mnist):
    _, (x_test, y_test) = mnist
    model = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Lambda(lambda x: x * 2),
                              keras.layers.Flatten(), keras.layers.Dense(10, activation="softmax")])
    with pytest.raises(ModelExchangeError, match="safe mode"):
        import_model(store, keras_bytes(model, tmp_path), "lambda.keras", x_test[:10], y_test[:10])


def test_not_a_model_and_too_large_are_refused(store, mnist, monkeypatch):
    _, (x_test, y_test) = mnist
    with pytest.raises(ModelExchangeError, match="not a Keras model"):
        import_model(store, b"hello", "notes.keras", x_test[:10], y_test[:10])
    monkeypatch.setattr("mnist_cnn.store.exchange.MAX_MODEL_BYTES", 100)
    with pytest.raises(ModelExchangeError, match="limit"):
        import_model(store, b"x" * 101, "big.keras", x_test[:10], y_test[:10])
