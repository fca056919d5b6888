"""Evaluate a model on the test set: predictions, probabilities, per-sample loss, confusion and per-class metrics."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from mnist_cnn.config import NUM_CLASSES
from mnist_cnn.inputs.images import to_model_batch

if TYPE_CHECKING:  # TensorFlow is imported where a model runs: lesson links read MISTAKE_ORDERS before it loads
    import keras


# Images per forward pass when evaluating: large enough to keep both CPU cores busy, small enough to stay in cache.
EVALUATION_BATCH_SIZE = 500

# The orders a list of mistakes can be shown in: by the model's confidence, or by test-set position.
MISTAKE_ORDERS = ("most_confident", "least_confident", "test_index")


@dataclass
class Evaluation:
    """A model's results on a labelled set of images."""

    labels: np.ndarray          # (n,) true digits
    probabilities: np.ndarray   # (n, 10) softmax outputs
    predictions: np.ndarray     # (n,) argmax of probabilities
    losses: np.ndarray          # (n,) cross-entropy of each sample

    @property
    def accuracy(self) -> float:
        """Fraction of samples predicted right."""
        return float(np.mean(self.predictions == self.labels)) if len(self.labels) else 0.0

    @property
    def mean_loss(self) -> float:
        """Mean cross-entropy over the samples."""
        return float(np.mean(self.losses)) if len(self.losses) else 0.0

    @property
    def confidences(self) -> np.ndarray:
        """(n,) probability of the predicted class."""
        return self.probabilities.max(axis=1)

    @property
    def error_count(self) -> int:
        """Number of misclassified samples."""
        return int(np.sum(self.predictions != self.labels))


def compute_probabilities(model: keras.Model, images: np.ndarray,
                          batch_size: int = EVALUATION_BATCH_SIZE) -> np.ndarray:
    """Run model on uint8 images (n, 28, 28) or floats (n, 28, 28, 1) in batches; return (n, 10)."""
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    from mnist_cnn.model.forward import get_forward_function

    inputs = to_model_batch(images)  # (n, 28, 28, 1)
    forward = get_forward_function(model)
    outputs = [forward(inputs[start:start + batch_size]).numpy()
               for start in range(0, len(inputs), batch_size)]
    return np.concatenate(outputs) if outputs else np.zeros((0, NUM_CLASSES), "float32")


def evaluate_model(model: keras.Model, images: np.ndarray, labels: np.ndarray) -> Evaluation:
    """Evaluate model on labelled images; every sample's probabilities and loss are kept."""
    if len(images) != len(labels):
        raise ValueError(f"{len(images)} images but {len(labels)} labels")
    return make_evaluation(compute_probabilities(model, images), labels)


def make_evaluation(probabilities: np.ndarray, labels: np.ndarray) -> Evaluation:
    """The Evaluation of (n, 10) probabilities against (n,) labels: predictions and per-sample losses."""
    labels = np.asarray(labels).astype("int64")
    picked = probabilities[np.arange(len(labels)), labels]
    losses = -np.log(np.clip(picked, 1e-7, 1.0))
    return Evaluation(labels, probabilities, probabilities.argmax(axis=1), losses)


def compute_confusion_matrix(labels: np.ndarray, predictions: np.ndarray) -> np.ndarray:
    """(10, 10) counts: row = true digit, column = predicted digit."""
    matrix = np.zeros((NUM_CLASSES, NUM_CLASSES), dtype=np.int64)
    np.add.at(matrix, (np.asarray(labels, int), np.asarray(predictions, int)), 1)
    return matrix


def compute_class_metrics(confusion: np.ndarray) -> dict:
    """Per-digit accuracy (= recall), precision and support from a confusion matrix."""
    correct = np.diag(confusion).astype(float)
    support = confusion.sum(axis=1)
    predicted = confusion.sum(axis=0)
    recall = np.divide(correct, support, out=np.zeros_like(correct), where=support > 0)
    precision = np.divide(correct, predicted, out=np.zeros_like(correct), where=predicted > 0)
    return {"digit": list(range(NUM_CLASSES)), "support": support.tolist(),
            "accuracy": recall.tolist(), "precision": precision.tolist(), "recall": recall.tolist()}


def order_indices(evaluation: Evaluation, indices: np.ndarray, order: str = "most_confident") -> np.ndarray:
    """Sort sample indices by the model's confidence (see MISTAKE_ORDERS) or by test-set position."""
    if order not in MISTAKE_ORDERS:
        raise ValueError(f"Unknown order {order!r}; choose one of {', '.join(MISTAKE_ORDERS)}.")
    indices = np.asarray(indices, dtype=np.int64)
    if order == "test_index":
        return np.sort(indices)
    confidences = evaluation.confidences[indices]
    keys = -confidences if order == "most_confident" else confidences
    return indices[np.argsort(keys, kind="stable")]


def find_mistakes(evaluation: Evaluation, true_digit: int | None = None,
                  predicted_digit: int | None = None, order: str = "most_confident") -> np.ndarray:
    """Indices of misclassified samples, optionally filtered, most confident mistakes first."""
    wrong = evaluation.predictions != evaluation.labels
    if true_digit is not None:
        wrong &= evaluation.labels == true_digit
    if predicted_digit is not None:
        wrong &= evaluation.predictions == predicted_digit
    return order_indices(evaluation, np.flatnonzero(wrong), order)


def compare_evaluations(first: Evaluation, second: Evaluation) -> dict:
    """Indices that only the first gets right, only the second gets right, and both get wrong."""
    first_right = first.predictions == first.labels
    second_right = second.predictions == second.labels
    return {
        "only_first_right": np.flatnonzero(first_right & ~second_right),
        "only_second_right": np.flatnonzero(~first_right & second_right),
        "both_wrong": np.flatnonzero(~first_right & ~second_right),
    }
