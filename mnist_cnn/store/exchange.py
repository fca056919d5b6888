"""Take a model home (a zip of its .keras file and metadata) and bring your own (checked, then stored)."""

import io
import json
import re
import tempfile
import zipfile
from pathlib import Path

import keras
import numpy as np

from mnist_cnn import config
from mnist_cnn.config import NUM_CLASSES
from mnist_cnn.evaluation.metrics import evaluate_model
from mnist_cnn.store.model_store import ModelStore, ModelStoreError, StoredModel, build_metadata, load_keras_model

# Uploaded models: at most this many bytes (the server's upload limit), and this input and output shape.
MAX_MODEL_BYTES = config.MAX_UPLOAD_BYTES
INPUT_SHAPE = (28, 28, 1)
# The architecture name recorded for uploaded models.
UPLOADED_ARCHITECTURE = "uploaded"


class ModelExchangeError(ValueError):
    """An uploaded file is not a usable model; the message says why."""


def export_model_zip(stored: StoredModel) -> bytes:
    """A zip holding the stored model's NAME.keras and NAME.json, as bytes for a download."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.write(stored.model_path, f"{stored.name}.keras")
        archive.writestr(f"{stored.name}.json", json.dumps(stored.metadata, indent=2))
    return buffer.getvalue()


def unpack_upload(data: bytes) -> bytes:
    """The .keras bytes of an upload: a .keras file itself, or the one inside a zip made by export_model_zip."""
    if len(data) > MAX_MODEL_BYTES:
        raise ModelExchangeError(f"The file has {len(data) / 2**20:.1f} MB; the limit is "
                                 f"{MAX_MODEL_BYTES / 2**20:.0f} MB.")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise ModelExchangeError("This is not a Keras model: a .keras file is a zip archive, and this is "
                                 "not one.") from None
    names = archive.namelist()
    if "config.json" in names:
        return data  # a .keras file
    inner = [name for name in names if name.endswith(".keras") and "/" not in name]
    if len(inner) != 1:
        raise ModelExchangeError("The zip holds no .keras model (or more than one).")
    info = archive.getinfo(inner[0])
    if info.file_size > MAX_MODEL_BYTES:
        raise ModelExchangeError(f"The model inside the zip is larger than {MAX_MODEL_BYTES / 2**20:.0f} MB.")
    return archive.read(inner[0])


def load_uploaded_model(keras_bytes: bytes) -> keras.Model:
    """Load .keras bytes in Keras safe mode (no arbitrary code), through a temporary file."""
    with tempfile.TemporaryDirectory(prefix="mnist-cnn-upload-") as folder:
        path = Path(folder) / "uploaded.keras"
        path.write_bytes(keras_bytes)
        try:
            return load_keras_model(path)
        except ModelStoreError as error:
            raise ModelExchangeError(f"Keras could not load it in safe mode. {error}") from None


def check_model(model: keras.Model) -> None:
    """Raise ModelExchangeError unless the model reads (28, 28, 1) images and gives 10 probabilities."""
    input_shape = tuple(model.input_shape[1:]) if not isinstance(model.input_shape, list) else None
    if input_shape != INPUT_SHAPE:
        raise ModelExchangeError(f"The model must read one 28×28×1 image; its input is {model.input_shape}.")
    output_shape = model.output_shape
    if isinstance(output_shape, list) or tuple(output_shape[1:]) != (NUM_CLASSES,):
        raise ModelExchangeError(f"The model must give 10 outputs (one per digit); its output is {output_shape}.")
    try:
        outputs = np.asarray(model(np.zeros((2, *INPUT_SHAPE), "float32"), training=False))
    except Exception as error:
        raise ModelExchangeError(f"The model fails on a blank image: {type(error).__name__}: "
                                 f"{str(error)[:200]}") from None
    if outputs.shape != (2, NUM_CLASSES) or not np.all(np.isfinite(outputs)):
        raise ModelExchangeError("The model's output on a blank image is not 10 finite numbers.")
    if np.any(outputs < -1e-4) or not np.allclose(outputs.sum(axis=1), 1.0, atol=1e-3):
        raise ModelExchangeError("The model's 10 outputs must be probabilities (end it with a softmax).")


def make_upload_name(store: ModelStore, filename: str) -> str:
    """A fresh store name from the uploaded file's name: 'uploaded-<stem>-<UTC time>'."""
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", Path(filename).stem).strip("-_")[:40] or "model"
    return store.new_name(f"uploaded-{stem}")


def import_model(store: ModelStore, data: bytes, filename: str, test_images: np.ndarray,
                 test_labels: np.ndarray) -> StoredModel:
    """Check an uploaded model, measure it on the test set and save it in the store; ModelExchangeError if unfit."""
    model = load_uploaded_model(unpack_upload(data))
    check_model(model)
    evaluation = evaluate_model(model, test_images, test_labels)
    metadata = build_metadata(model, UPLOADED_ARCHITECTURE, {}, {}, [], 0.0, evaluation.mean_loss,
                              evaluation.accuracy, uploaded_from=Path(filename).name)
    return store.save(model, metadata, make_upload_name(store, filename))
