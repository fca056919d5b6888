"""The class view's figures: every collection's drawings as a model reads them, summed up per collection, per digit
and over time, the confusion matrix and its cells, the worst-read drawings, and the exports (CSV and .npz).

Everything works on a "reads" table, one row per drawing (make_reads_frame); its row positions match the images.
"""

import io

import numpy as np
import pandas as pd

from mnist_cnn.config import NUM_CLASSES
from mnist_cnn.evaluation.metrics import compute_confusion_matrix

# The CSV export's columns, one row per drawing.
CSV_COLUMNS = ["collection", "label", "predicted", "probability", "is_digit", "created_at"]
# Activity is counted in bins of one of these many minutes.
ACTIVITY_MINUTES = (5, 10)


def make_reads_frame(collections, ids, labels, created_at, probabilities: np.ndarray,
                     is_digit: np.ndarray) -> pd.DataFrame:
    """One row per drawing: where from, its label, what the model read, how sure, and the probability of the truth."""
    probabilities = np.asarray(probabilities, dtype=np.float64).reshape(-1, NUM_CLASSES)  # (n, 10)
    labels = np.asarray(labels, dtype=np.int64)
    if not len(labels) == len(probabilities) == len(collections) == len(ids) == len(created_at) == len(is_digit):
        raise ValueError("Every column of the reads needs one value per drawing.")
    predicted = probabilities.argmax(axis=1) if len(labels) else np.zeros(0, np.int64)
    return pd.DataFrame({
        "collection": pd.Series(collections, dtype=object),
        "id": np.asarray(ids, dtype=np.int64),
        "label": labels,
        "predicted": predicted.astype(np.int64),
        "probability": probabilities.max(axis=1) if len(labels) else np.zeros(0),
        "true_probability": probabilities[np.arange(len(labels)), labels] if len(labels) else np.zeros(0),
        "is_digit": np.asarray(is_digit, dtype=bool),
        "created_at": pd.to_datetime(pd.Series(created_at, dtype=object), utc=True, format="ISO8601"),
    })


def summarise_collections(reads: pd.DataFrame) -> pd.DataFrame:
    """Per collection: drawings, right answers, accuracy, how many were read as "not a digit", the newest one."""
    right = reads["label"] == reads["predicted"]
    grouped = reads.assign(right=right, not_a_digit=~reads["is_digit"]).groupby("collection", sort=True)
    table = grouped.agg(drawings=("id", "size"), right=("right", "sum"), not_a_digit=("not_a_digit", "sum"),
                        last_drawing=("created_at", "max")).reset_index()
    table.insert(3, "accuracy", table["right"] / table["drawings"])
    return table


def summarise_digits(reads: pd.DataFrame) -> pd.DataFrame:
    """Per true digit: drawings, accuracy and the wrong digit it is most often read as."""
    confusion = compute_confusion_matrix(reads["label"], reads["predicted"])
    support = confusion.sum(axis=1)
    mistakes = confusion * (1 - np.eye(NUM_CLASSES, dtype=np.int64))
    return pd.DataFrame({
        "digit": np.arange(NUM_CLASSES),
        "drawings": support,
        "accuracy": np.divide(np.diag(confusion), support, out=np.full(NUM_CLASSES, np.nan), where=support > 0),
        "most often read as": [f"{int(row.argmax())} ({int(row.max())}×)" if row.max() else "–" for row in mistakes],
    })


def compute_class_confusion(reads: pd.DataFrame) -> np.ndarray:
    """(10, 10) counts: rows the drawings' labels, columns what the model read."""
    return compute_confusion_matrix(reads["label"], reads["predicted"])


def list_cells(confusion: np.ndarray) -> list[tuple[int, int, int]]:
    """The non-empty cells as (true, predicted, count): mistakes first (most first), then right answers."""
    cells = [(true, predicted, int(confusion[true, predicted])) for true in range(NUM_CLASSES)
             for predicted in range(NUM_CLASSES) if confusion[true, predicted]]
    return sorted(cells, key=lambda cell: (cell[0] == cell[1], -cell[2], cell[0], cell[1]))


def select_cell(reads: pd.DataFrame, true_digit: int, predicted_digit: int) -> np.ndarray:
    """Row positions of the drawings of one confusion-matrix cell, newest first."""
    chosen = np.flatnonzero((reads["label"].to_numpy() == true_digit)
                            & (reads["predicted"].to_numpy() == predicted_digit))
    return chosen[np.argsort(-reads["id"].to_numpy()[chosen], kind="stable")]


def find_most_wrong(reads: pd.DataFrame, count: int) -> np.ndarray:
    """Row positions of the `count` drawings the model read wrong with the lowest probability for their label."""
    wrong = np.flatnonzero(reads["label"].to_numpy() != reads["predicted"].to_numpy())
    order = np.argsort(reads["true_probability"].to_numpy()[wrong], kind="stable")
    return wrong[order][:max(0, int(count))]


def count_activity(reads: pd.DataFrame, minutes: int) -> pd.DataFrame:
    """Drawings per time bin of `minutes` (bins with none included between the first and the last)."""
    if minutes not in ACTIVITY_MINUTES:
        raise ValueError(f"Activity is counted per {' or '.join(map(str, ACTIVITY_MINUTES))} minutes, not {minutes}.")
    if reads.empty:
        return pd.DataFrame({"time": pd.Series([], dtype="datetime64[ns, UTC]"), "drawings": np.zeros(0, np.int64)})
    bins = reads["created_at"].dt.floor(f"{minutes}min")
    counts = bins.value_counts().sort_index()
    every_bin = pd.date_range(counts.index.min(), counts.index.max(), freq=f"{minutes}min")
    counts = counts.reindex(every_bin, fill_value=0)
    return pd.DataFrame({"time": counts.index, "drawings": counts.to_numpy(dtype=np.int64)})


def make_csv(reads: pd.DataFrame) -> bytes:
    """The reads as CSV: one row per drawing with CSV_COLUMNS (times in ISO 8601, UTC)."""
    table = reads[CSV_COLUMNS].copy()
    table["created_at"] = table["created_at"].dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    table["probability"] = table["probability"].round(4)
    return table.to_csv(index=False).encode()


def make_npz(images: np.ndarray, labels: np.ndarray, collections) -> bytes:
    """.npz bytes with x (n, 28, 28) uint8, y (n,) uint8 and collection (n,) text."""
    images = np.asarray(images, dtype=np.uint8).reshape(-1, 28, 28)
    buffer = io.BytesIO()
    np.savez_compressed(buffer, x=images, y=np.asarray(labels, dtype=np.uint8),
                        collection=np.asarray(list(collections), dtype=str))
    return buffer.getvalue()
