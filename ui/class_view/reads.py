"""Every collection's drawings read by the active model, cached per (model hash, collection, its data version)."""

from dataclasses import dataclass

import numpy as np
import pandas as pd
import streamlit as st

from mnist_cnn import config
from mnist_cnn.evaluation.class_report import make_reads_frame
from mnist_cnn.inputs.images import to_unit_floats
from mnist_cnn.model.inference import judge_digits
from mnist_cnn.my_digits.collections import digits_to_arrays
from ui.my_digits_store import get_class_records, get_my_digits_store

# Collections whose reads are kept per process (a class has a few dozen; more are read again when they change).
MAX_CACHED_COLLECTIONS = 128


@dataclass
class ClassReads:
    """The drawings read, as a reads table (mnist_cnn.evaluation.class_report) and its (n, 28, 28) uint8 images."""

    reads: pd.DataFrame
    images: np.ndarray
    total: int         # drawings the server holds (all collections)
    collections: int   # collections read


def judge(model, images: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(probabilities (n, 10), is_digit (n,)) of uint8 images, as classify() reads them; empty for none."""
    if not len(images):
        return np.zeros((0, config.NUM_CLASSES)), np.zeros(0, bool)
    return judge_digits(model, to_unit_floats(images))


@st.cache_data(max_entries=MAX_CACHED_COLLECTIONS, show_spinner=False)
def read_collection(database_path: str, collection: str, data_version: str, model_hash: str, _model) -> dict:
    """One collection's drawings and the model's reading of them; recomputed when the drawings or model change."""
    digits = get_my_digits_store(database_path).list_digits(collection=collection)
    images, labels = digits_to_arrays(digits)
    probabilities, is_digit = judge(_model, images)
    return {"ids": [digit.id for digit in digits], "created_at": [digit.created_at for digit in digits],
            "images": images, "labels": labels, "probabilities": probabilities, "is_digit": is_digit}


def choose_collections(counts: dict[str, int], limit: int) -> list[str]:
    """The non-empty collections to read, in order, while their drawings add up to at most limit."""
    chosen, total = [], 0
    for name, count in counts.items():
        if count and total + count <= limit:
            chosen.append(name)
            total += count
    return chosen


def join_parts(parts: dict, key: str) -> list:
    """One list of a key's values over every collection's part, in order."""
    return [value for part in parts.values() for value in part[key]]


def read_class(store, model_hash: str, model) -> ClassReads:
    """Every collection's drawings (up to config.MAX_CLASS_VIEW_DRAWINGS) read by the model."""
    counts = store.count_by_collection()
    parts = {name: read_collection(str(store.path), name, store.data_version(name), model_hash, model)
             for name in choose_collections(counts, config.MAX_CLASS_VIEW_DRAWINGS)}
    names = [name for name, part in parts.items() for _ in part["ids"]]
    probabilities = (np.concatenate([part["probabilities"] for part in parts.values()]) if parts
                     else np.zeros((0, config.NUM_CLASSES)))
    reads = make_reads_frame(names, join_parts(parts, "ids"), join_parts(parts, "labels"),
                             join_parts(parts, "created_at"), probabilities,
                             np.concatenate([part["is_digit"] for part in parts.values()]) if parts else [])
    images = (np.concatenate([part["images"] for part in parts.values()]) if parts
              else np.zeros((0, 28, 28), np.uint8))
    return ClassReads(reads, images, sum(counts.values()), len(parts))


@st.cache_data(max_entries=8, show_spinner=False)
def read_non_digits(database_path: str, records_version: str, model_hash: str, _model) -> dict:
    """The "not a digit" flags and the model's reading of each (its digit, and its own "not a digit" verdict)."""
    flags = get_class_records(database_path).list_non_digits()
    images = np.stack([flag.digit for flag in flags]) if flags else np.zeros((0, 28, 28), np.uint8)
    probabilities, is_digit = judge(_model, images)
    return {"collections": [flag.collection for flag in flags], "created_at": [flag.created_at for flag in flags],
            "images": images, "predicted": probabilities.argmax(axis=1) if flags else np.zeros(0, int),
            "is_digit": is_digit}
