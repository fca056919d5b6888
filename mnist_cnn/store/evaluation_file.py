"""A model's test-set evaluation kept beside its file, so a server shows the Test-set explorer at once."""

import hashlib
import io
import zipfile
from pathlib import Path

import numpy as np

from mnist_cnn.config import NUM_CLASSES
from mnist_cnn.evaluation.metrics import Evaluation, make_evaluation
from mnist_cnn.store.files import write_atomically
from mnist_cnn.store.model_store import EVALUATION_SUFFIX
# A file larger than this is not one of ours (10,000 float32 probabilities take 400 KB before compression).
MAX_EVALUATION_BYTES = 4 * 2**20
# What the file holds: the probabilities, and what they were computed from.
FILE_KEYS = {"probabilities", "model_sha256", "test_set_sha256"}


def get_evaluation_path(model_path: Path) -> Path:
    """Where the evaluation of a model file is kept: NAME.evaluation.npz beside NAME.keras."""
    model_path = Path(model_path)
    return model_path.with_name(model_path.stem + EVALUATION_SUFFIX)


def compute_test_set_sha256(images: np.ndarray, labels: np.ndarray) -> str:
    """A fingerprint of a labelled image set (its pixels, labels and shapes)."""
    digest = hashlib.sha256(repr((images.shape, str(images.dtype), labels.shape)).encode())
    digest.update(np.ascontiguousarray(images).data)
    digest.update(np.ascontiguousarray(labels).astype(np.int64).data)
    return digest.hexdigest()


def save_evaluation(model_path: Path, evaluation: Evaluation, model_sha256: str, test_set_sha256: str) -> Path:
    """Write the evaluation beside the model file, atomically; return its path."""
    buffer = io.BytesIO()
    np.savez_compressed(buffer, probabilities=evaluation.probabilities.astype(np.float32),
                        model_sha256=np.array(model_sha256), test_set_sha256=np.array(test_set_sha256))
    path = get_evaluation_path(model_path)
    write_atomically(path, lambda temporary: temporary.write_bytes(buffer.getvalue()))
    return path


def keep_evaluation(model_path: Path, evaluation: Evaluation, model_sha256: str, images: np.ndarray,
                    labels: np.ndarray) -> Path:
    """Save the evaluation of a model file on these labelled images beside it; its path."""
    return save_evaluation(model_path, evaluation, model_sha256, compute_test_set_sha256(images, labels))


def read_evaluation_arrays(path: Path) -> dict | None:
    """The arrays of an evaluation file, or None when it is missing, too large or not a plain .npz of ours."""
    try:
        if path.stat().st_size > MAX_EVALUATION_BYTES:
            return None
        data = path.read_bytes()
        with np.load(io.BytesIO(data), allow_pickle=False) as archive:
            if set(archive.files) != FILE_KEYS:
                return None
            return {key: archive[key] for key in FILE_KEYS}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile):
        return None


def load_evaluation(model_path: Path, labels: np.ndarray, model_sha256: str,
                    test_set_sha256: str) -> Evaluation | None:
    """The kept evaluation of this model file on this test set, or None (missing, stale or damaged: recompute)."""
    arrays = read_evaluation_arrays(get_evaluation_path(model_path))
    if arrays is None or str(arrays["model_sha256"]) != model_sha256 \
            or str(arrays["test_set_sha256"]) != test_set_sha256:
        return None
    probabilities = arrays["probabilities"]
    if probabilities.dtype != np.float32 or probabilities.shape != (len(labels), NUM_CLASSES) \
            or not np.all(np.isfinite(probabilities)):
        return None
    return make_evaluation(probabilities, labels)
