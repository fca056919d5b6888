"""The model store: .keras files with JSON metadata, saved atomically and loaded in Keras safe mode."""

from __future__ import annotations

import json
import itertools
import os
import re
import threading
import time
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from mnist_cnn import config
from mnist_cnn.data.mnist import compute_sha256
from mnist_cnn.store.files import sync_file, sync_folder, write_atomically, write_temporary
from mnist_cnn.store.list_version import raise_list_version, read_list_version
from mnist_cnn.store.metadata import find_metadata_problem

if TYPE_CHECKING:  # Keras is imported where a model is loaded or saved: listing the store needs no TensorFlow
    import keras

# Names of stored models: letters, digits, '-', '_' and '.', starting with a letter or digit (use fullmatch).
NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,80}")
# Leftovers of an interrupted save (.tmp-* files, NAME.json without NAME.keras) older than this are removed.
STALE_LEFTOVER_SECONDS = 300
# A model's kept test-set evaluation (mnist_cnn/store/evaluation_file.py): NAME.evaluation.npz beside NAME.keras.
EVALUATION_SUFFIX = ".evaluation.npz"
# A model's per-epoch snapshots (mnist_cnn.training.snapshots) live next to it as NAME + this suffix.
SNAPSHOT_SUFFIX = ".snapshots.npz"
# Files that belong to NAME.keras and go with it: removed with the model, and as leftovers without it.
COMPANION_SUFFIXES = (SNAPSHOT_SUFFIX, EVALUATION_SUFFIX)


class ModelStoreError(RuntimeError):
    """A stored model is missing, corrupt or incompatible; the message says which and why."""


class StoreFullError(ValueError):
    """The store holds config.MAX_STORED_MODELS trained models: no job may add another until some are deleted."""


@dataclass
class StoredModel:
    """One model in the store: its name, files and metadata."""

    name: str
    model_path: Path
    metadata_path: Path
    metadata: dict = field(default_factory=dict)

    @property
    def is_default(self) -> bool:
        """True for the bundled default model, which is never overwritten or deleted."""
        return self.name == config.DEFAULT_MODEL_NAME

    @property
    def test_accuracy(self) -> float | None:
        """The test accuracy recorded in the metadata, if any."""
        return self.metadata.get("test_accuracy")

    def file_hash(self) -> str:
        """The sha256 of the .keras file: a cache key for anything computed from the model."""
        return compute_sha256(self.model_path)


@dataclass
class StoreProblem:
    """A file in the store that could not be listed, and why."""

    name: str
    message: str


def load_keras_model(path: Path) -> keras.Model:
    """Load a .keras file in safe mode; raise ModelStoreError with a clear message if that fails."""
    path = Path(path)
    if not path.exists():
        raise ModelStoreError(f"Model file {path} does not exist.")
    if not zipfile.is_zipfile(path):
        raise ModelStoreError(f"Model file {path.name} is corrupt or truncated (not a .keras archive).")
    import keras

    try:
        return keras.saving.load_model(path, compile=False, safe_mode=True)
    except Exception as error:
        raise ModelStoreError(f"Model file {path.name} could not be loaded: "
                              f"{type(error).__name__}: {str(error)[:300]}") from error


def build_metadata(model: keras.Model | int, architecture: str, hyperparameters: dict, history: dict,
                   epoch_seconds: list, training_seconds: float, test_loss: float,
                   test_accuracy: float, **extra) -> dict:
    """Collect what the store records about a trained model (given as the model, or as its parameter count)."""
    import keras
    import tensorflow as tf

    parameter_count = model if isinstance(model, int) else int(model.count_params())

    return {
        "architecture": architecture,
        "hyperparameters": hyperparameters,
        "history": history,
        "epoch_seconds": [round(s, 2) for s in epoch_seconds],
        "training_seconds": round(training_seconds, 1),
        "test_loss": float(test_loss),
        "test_accuracy": float(test_accuracy),
        "parameter_count": parameter_count,
        "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "keras_version": keras.__version__,
        "tensorflow_version": tf.__version__,
        "data_sha256": config.DATA_SHA256,
        **extra,
    }


# The last scan of each store folder, kept until the folder's listing changes: path -> (signature, result).
SCAN_CACHE: dict = {}
SCAN_CACHE_LOCK = threading.Lock()


def list_folder_signature(directory: Path) -> tuple:
    """The names, sizes and modification times of a folder's files: changes whenever a file does."""
    signature = []
    with os.scandir(directory) as entries:
        for entry in entries:
            try:
                status = entry.stat()
            except OSError:  # removed while we looked
                continue
            signature.append((entry.name, status.st_size, status.st_mtime_ns))
    return tuple(sorted(signature))


def read_metadata(model_path: Path) -> tuple[dict | None, str | None]:
    """(metadata, None) for a model file whose .json is present, readable and well-typed; else (None, why)."""
    try:
        metadata = json.loads(model_path.with_suffix(".json").read_text())
    except FileNotFoundError:
        return None, "has no metadata file; skipped."
    except (ValueError, OSError) as error:
        return None, f"has unreadable metadata ({error}); skipped."
    problem = find_metadata_problem(metadata)
    if problem:
        return None, f"has invalid metadata ({problem}); skipped."
    if not zipfile.is_zipfile(model_path):
        return None, "model file is corrupt or truncated; skipped."
    return metadata, None


class ModelStore:
    """A folder of NAME.keras + NAME.json pairs; NAME 'default' is the protected bundled model.

    A save writes NAME.json first and then renames the finished model onto NAME.keras, so a model is listed
    only once both are complete; a NAME.json without its NAME.keras is an unfinished save, never listed.
    """

    def __init__(self, directory: Path | None = None):
        self.directory = Path(directory) if directory is not None else config.MODELS_DIR

    def paths(self, name: str) -> tuple[Path, Path]:
        """Return the (.keras, .json) paths for a model name."""
        return self.directory / f"{name}.keras", self.directory / f"{name}.json"

    def snapshot_path(self, name: str) -> Path:
        """The path of a model's per-epoch snapshots (see mnist_cnn.training.snapshots); it may not exist."""
        return self.directory / f"{name}{SNAPSHOT_SUFFIX}"

    def save(self, model: keras.Model, metadata: dict, name: str, replace_default: bool = False,
             snapshots: dict | None = None) -> StoredModel:
        """Save model, metadata (and per-epoch snapshot arrays) under name, all or nothing; default protected."""
        if not NAME_PATTERN.fullmatch(name):
            raise ValueError(f"Invalid model name {name!r}: use letters, digits, '-', '_' and '.'.")
        if name == config.DEFAULT_MODEL_NAME and not replace_default:
            raise ValueError("The bundled default model is never overwritten; choose another name.")
        self.directory.mkdir(parents=True, exist_ok=True)
        self.save_snapshots(name, snapshots)
        finished_model = write_temporary(self.directory, ".keras", lambda temporary: model.save(temporary))
        return self.install(finished_model, metadata, name)

    def install(self, finished_model: Path, metadata: dict, name: str) -> StoredModel:
        """Put a finished model file (a .tmp-* file in the store's folder) in place under name, with its metadata.

        NAME.json is written first, then the model is renamed onto NAME.keras: it appears complete, with its metadata.
        """
        model_path, metadata_path = self.paths(name)
        try:
            sync_file(finished_model)
            metadata = {**metadata, "name": name, "file_sha256": compute_sha256(finished_model)}
            write_atomically(metadata_path, lambda temporary: temporary.write_text(json.dumps(metadata, indent=2)))
            os.replace(finished_model, model_path)
        except BaseException:
            finished_model.unlink(missing_ok=True)
            raise
        sync_folder(self.directory)
        raise_list_version()
        return StoredModel(name, model_path, metadata_path, metadata)

    def save_snapshots(self, name: str, snapshots: dict | None) -> None:
        """Write (atomically) or remove a model's snapshot file, before its model file appears."""
        from mnist_cnn.training.snapshots import write_snapshot_file

        path = self.snapshot_path(name)
        if snapshots:
            write_atomically(path, lambda temporary: write_snapshot_file(temporary, snapshots))
        else:
            path.unlink(missing_ok=True)  # an older model's replay must not be shown for this one

    def new_name(self, architecture: str) -> str:
        """A fresh name for a trained model: architecture plus UTC time."""
        stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
        name, number = f"{architecture}-{stamp}", 1
        while any(path.exists() for path in self.paths(name)):
            number += 1
            name = f"{architecture}-{stamp}-{number}"
        return name

    def reserve_name(self, prefix: str) -> str:
        """A fresh name (prefix plus UTC time, then -2, -3, ...) held for one save by creating its NAME.json with
        O_EXCL: two saves in the same second, even from two servers, never get the same name. The empty NAME.json
        is never listed (it has no model) and is replaced by the save, or removed as a leftover."""
        self.directory.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
        for number in itertools.count(1):
            name = f"{prefix}-{stamp}" if number == 1 else f"{prefix}-{stamp}-{number}"
            model_path, metadata_path = self.paths(name)
            if model_path.exists():
                continue
            try:
                with open(metadata_path, "x"):
                    return name
            except FileExistsError:
                continue
        raise AssertionError("unreachable")

    def scan(self) -> tuple[list[StoredModel], list[StoreProblem]]:
        """List complete models (default first, then newest first) and the problems found.

        The result is cached until the folder's listing (names, sizes, modification times) or the shared model
        list's version (raised by any replica's save or delete) changes.
        """
        try:
            signature = (read_list_version(), list_folder_signature(self.directory))
        except OSError:
            return [], []
        key = str(self.directory.resolve())
        with SCAN_CACHE_LOCK:
            cached = SCAN_CACHE.get(key)
        if cached is not None and cached[0] == signature:
            return list(cached[1][0]), list(cached[1][1])
        result = self.scan_folder()
        with SCAN_CACHE_LOCK:
            SCAN_CACHE[key] = (signature, result)
        return list(result[0]), list(result[1])

    def scan_folder(self) -> tuple[list[StoredModel], list[StoreProblem]]:
        """Read every NAME.keras and its metadata (no cache): the usable models and the problems."""
        models, problems = [], []
        for model_path in sorted(self.directory.glob("*.keras")):
            name = model_path.stem
            if name.startswith("."):
                continue  # a temporary file from a save in progress or interrupted
            metadata, problem = read_metadata(model_path)
            if problem:
                problems.append(StoreProblem(name, problem))
            else:
                models.append(StoredModel(name, model_path, model_path.with_suffix(".json"), metadata))
        defaults = [m for m in models if m.is_default]
        others = sorted((m for m in models if not m.is_default),
                        key=lambda m: m.metadata.get("created_at", ""), reverse=True)
        return defaults + others, problems

    def count_trained_models(self) -> int:
        """How many model files other than the bundled default the store holds (unusable ones included)."""
        if not self.directory.exists():
            return 0
        return sum(1 for path in self.directory.glob("*.keras")
                   if not path.name.startswith(".") and path.stem != config.DEFAULT_MODEL_NAME)

    def check_room(self) -> None:
        """Raise StoreFullError when the store already holds config.MAX_STORED_MODELS trained models."""
        count = self.count_trained_models()
        if count >= config.MAX_STORED_MODELS:
            raise StoreFullError(f"The model store is full ({count} trained models; the limit is "
                                 f"{config.MAX_STORED_MODELS}). Delete models you no longer need on the "
                                 "Training page, then start again.")

    def remove_leftovers(self, older_than_seconds: float = STALE_LEFTOVER_SECONDS) -> list[str]:
        """Remove what interrupted saves left (.tmp-* files, NAME.json or companions without NAME.keras); names."""
        if not self.directory.exists():
            return []
        deadline, removed = time.time() - older_than_seconds, []
        for path in self.directory.iterdir():
            suffix = next((suffix for suffix in COMPANION_SUFFIXES if path.name.endswith(suffix)), None)
            owner = path.name[:-len(suffix)] if suffix else path.stem  # NAME of NAME.json too
            unfinished = (path.suffix == ".json" or suffix) and not (self.directory / f"{owner}.keras").exists()
            if not (path.name.startswith(".tmp-") or (unfinished and owner != config.DEFAULT_MODEL_NAME)):
                continue
            try:
                if path.stat().st_mtime < deadline:
                    path.unlink()
                    removed.append(path.name)
            except OSError:
                pass
        if removed:
            sync_folder(self.directory)
        return removed

    def list_models(self) -> list[StoredModel]:
        """The complete, readable models, default first."""
        return self.scan()[0]

    def get(self, name: str) -> StoredModel:
        """The stored model called name; ModelStoreError if it is missing or unreadable."""
        for stored in self.list_models():
            if stored.name == name:
                return stored
        raise ModelStoreError(f"No usable model called {name!r} in {self.directory}.")

    def load(self, name: str) -> keras.Model:
        """Load a stored model by name (safe mode)."""
        return load_keras_model(self.get(name).model_path)

    def list_file_names(self) -> list[str]:
        """The NAME of every NAME.keras in the folder, unreadable ones included (what scan lists or reports)."""
        if not self.directory.exists():
            return []
        return sorted(path.stem for path in self.directory.glob("*.keras") if not path.name.startswith("."))

    def delete(self, name: str) -> None:
        """Delete a model file (a usable one, or one scan reports as a problem), then its metadata and companions;
        the bundled default cannot be deleted."""
        if name == config.DEFAULT_MODEL_NAME:
            raise ValueError("The bundled default model cannot be deleted.")
        if not NAME_PATTERN.fullmatch(name) and name not in self.list_file_names():
            raise ValueError(f"Invalid model name {name!r}.")
        companions = [self.directory / f"{name}{suffix}" for suffix in COMPANION_SUFFIXES]
        for path in (*self.paths(name), *companions):  # the .keras first: a .json alone is never listed
            path.unlink(missing_ok=True)
        sync_folder(self.directory)
        raise_list_version()
