"""Per-epoch snapshots of a training run: the weights, test accuracy and confusion matrix after each epoch."""

import zipfile
from dataclasses import dataclass
from pathlib import Path

import keras
import numpy as np

from mnist_cnn import config
from mnist_cnn.evaluation.metrics import compute_confusion_matrix, evaluate_model


class SnapshotError(ValueError):
    """A snapshot file is missing, corrupt, or does not fit the model; the message says which."""


@dataclass
class Snapshots:
    """A run's snapshots: one entry per kept epoch, oldest first."""

    epochs: np.ndarray       # (k,) epoch numbers in the model's whole history (a continued model starts later)
    accuracies: np.ndarray   # (k,) accuracy on the first `test_digits` test digits after that epoch
    confusions: np.ndarray   # (k, 10, 10) counts: row = true digit, column = predicted digit
    weights: list            # k lists of weight arrays, in model.get_weights() order
    test_digits: int         # how many test digits each epoch was measured on

    def position(self, epoch: int) -> int:
        """The index of a recorded epoch; SnapshotError if that epoch was not kept."""
        matches = np.flatnonzero(self.epochs == epoch)
        if not len(matches):
            raise SnapshotError(f"Epoch {epoch} has no snapshot (kept: {', '.join(map(str, self.epochs))}).")
        return int(matches[0])


def compact_weights(weights: list) -> list:
    """Weights as stored: floating-point arrays in float16 (half the size), others unchanged."""
    return [array.astype(np.float16) if np.issubdtype(array.dtype, np.floating) else array for array in weights]


class SnapshotRecorder(keras.callbacks.Callback):
    """Keep the weights after every epoch and measure them on a fixed set of test digits."""

    def __init__(self, images: np.ndarray, labels: np.ndarray, first_epoch: int = 1,
                 max_bytes: int | None = None):
        super().__init__()
        if len(images) != len(labels) or not len(labels):
            raise ValueError("The snapshot recorder needs as many labels as test images, at least one.")
        self.images, self.labels = images, np.asarray(labels).astype("int64")
        self.first_epoch = first_epoch
        self.max_bytes = max_bytes or config.MAX_SNAPSHOT_BYTES
        self.entries: list = []   # (epoch, accuracy, confusion, weights)
        self.probe = None

    def keep_earlier(self, snapshots: Snapshots) -> None:
        """Start from a base model's snapshots (measured on as many test digits), so a lineage replays whole."""
        if snapshots.test_digits != len(self.labels):
            return
        self.entries = [(int(epoch), float(accuracy), confusion, weights) for epoch, accuracy, confusion, weights
                        in zip(snapshots.epochs, snapshots.accuracies, snapshots.confusions, snapshots.weights)
                        if epoch < self.first_epoch]

    def on_train_begin(self, logs=None):
        self.probe = keras.models.clone_model(self.model)  # measured on a copy: training is left alone

    def measure(self, epoch: int, weights: list) -> tuple:
        """One entry: (epoch, accuracy, confusion, weights), measured with the stored (float16) weights."""
        self.probe.set_weights(weights)
        evaluation = evaluate_model(self.probe, self.images, self.labels)
        return epoch, evaluation.accuracy, compute_confusion_matrix(evaluation.labels, evaluation.predictions), weights

    def on_epoch_end(self, epoch, logs=None):
        self.entries.append(self.measure(self.first_epoch + epoch, compact_weights(self.model.get_weights())))
        self.thin_to_fit()

    def keep_final(self, model: keras.Model) -> None:
        """Make the last snapshot the saved model's weights when they differ (a fine-tune's blend), re-measured."""
        if not self.entries:
            return
        if self.probe is None:  # no epoch ran here: the entries came from keep_earlier (a blend of a trained model)
            self.probe = keras.models.clone_model(model)
        weights = compact_weights(model.get_weights())
        epoch, _, _, last = self.entries[-1]
        if len(weights) != len(last) or not all(np.array_equal(new, old) for new, old in zip(weights, last)):
            self.entries[-1] = self.measure(epoch, weights)

    def thin_to_fit(self) -> None:
        """Drop every other older snapshot (the newest is always kept) while they exceed max_bytes."""
        epoch_bytes = sum(array.nbytes for array in self.entries[-1][3])
        while len(self.entries) > 1 and len(self.entries) * epoch_bytes > self.max_bytes:
            older = self.entries[:-1]
            self.entries = (older[::2] if len(older) > 1 else []) + [self.entries[-1]]

    def to_arrays(self) -> dict:
        """The snapshots as named arrays for an .npz file (empty if no epoch finished)."""
        if not self.entries:
            return {}
        arrays = {
            "epochs": np.array([entry[0] for entry in self.entries], dtype=np.int32),
            "accuracies": np.array([entry[1] for entry in self.entries], dtype=np.float64),
            "confusions": np.stack([entry[2] for entry in self.entries]).astype(np.int32),  # (k, 10, 10)
            "test_digits": np.array(len(self.labels)),
            "weight_count": np.array(len(self.entries[0][3])),
        }
        for position, entry in enumerate(self.entries):
            for index, array in enumerate(entry[3]):
                arrays[f"weights_{position}_{index}"] = array
        return arrays


def write_snapshot_file(path: Path, arrays: dict) -> None:
    """Write snapshot arrays to an .npz file (uncompressed: weights do not compress)."""
    with open(path, "wb") as handle:
        np.savez(handle, **arrays)


def read_snapshot_arrays(archive) -> Snapshots:
    """Snapshots from an open .npz archive; KeyError or ValueError if an array is missing or misshapen."""
    epochs = archive["epochs"].astype(int)
    count, weight_count = len(epochs), int(archive["weight_count"])
    accuracies, confusions = archive["accuracies"], archive["confusions"]
    if accuracies.shape != (count,) or confusions.shape != (count, 10, 10):
        raise ValueError("the per-epoch accuracies or confusion matrices do not match the epochs")
    weights = [[archive[f"weights_{position}_{index}"] for index in range(weight_count)]
               for position in range(count)]
    return Snapshots(epochs, accuracies, confusions, weights, int(archive["test_digits"]))


def load_snapshots(path: Path) -> Snapshots:
    """Read a snapshot file; SnapshotError with a clear message if it is missing or unreadable."""
    path = Path(path)
    if not path.exists():
        raise SnapshotError(f"{path.name} does not exist: this model was saved without per-epoch snapshots.")
    try:
        with np.load(path, allow_pickle=False) as archive:
            return read_snapshot_arrays(archive)
    except (OSError, EOFError, KeyError, ValueError, zipfile.BadZipFile) as error:
        raise SnapshotError(f"{path.name} is corrupt or incomplete ({type(error).__name__}: "
                            f"{str(error)[:200]}); the replay is unavailable.") from error


def build_epoch_model(model: keras.Model, snapshots: Snapshots, epoch: int) -> keras.Model:
    """A new model of model's architecture holding the weights recorded after epoch (model is not changed)."""
    weights = snapshots.weights[snapshots.position(epoch)]
    expected = [tuple(array.shape) for array in model.get_weights()]
    if [tuple(array.shape) for array in weights] != expected:
        raise SnapshotError("The snapshot does not fit this model's layers (was the model replaced?).")
    copy = keras.models.clone_model(model)
    copy.set_weights([array.astype(np.float32) if array.dtype == np.float16 else array for array in weights])
    return copy
