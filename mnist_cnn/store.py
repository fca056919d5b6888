"""The model store: .keras files with JSON metadata, saved atomically and loaded in Keras safe mode."""

import json
import os
import re
import tempfile
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import keras

from mnist_cnn import config
from mnist_cnn.data import compute_sha256

# Names of stored models: letters, digits, '-', '_' and '.', starting with a letter or digit.
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,80}$")


class ModelStoreError(RuntimeError):
    """A stored model is missing, corrupt or incompatible; the message says which and why."""


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
    try:
        return keras.saving.load_model(path, compile=False, safe_mode=True)
    except Exception as error:
        raise ModelStoreError(f"Model file {path.name} could not be loaded: "
                              f"{type(error).__name__}: {str(error)[:300]}") from error


def write_atomically(path: Path, write) -> None:
    """Call write(temporary_path) in path's folder, then rename it onto path (all or nothing)."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    os.close(handle)
    try:
        write(Path(temporary))
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def build_metadata(model: keras.Model, architecture: str, hyperparameters: dict, history: dict,
                   epoch_seconds: list, training_seconds: float, test_loss: float,
                   test_accuracy: float, **extra) -> dict:
    """Collect what the store records about a trained model."""
    import tensorflow as tf

    return {
        "architecture": architecture,
        "hyperparameters": hyperparameters,
        "history": history,
        "epoch_seconds": [round(s, 2) for s in epoch_seconds],
        "training_seconds": round(training_seconds, 1),
        "test_loss": float(test_loss),
        "test_accuracy": float(test_accuracy),
        "parameter_count": int(model.count_params()),
        "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "keras_version": keras.__version__,
        "tensorflow_version": tf.__version__,
        "data_sha256": config.DATA_SHA256,
        **extra,
    }


class ModelStore:
    """A folder of NAME.keras + NAME.json pairs; NAME 'default' is the protected bundled model."""

    def __init__(self, directory: Path | None = None):
        self.directory = Path(directory) if directory is not None else config.MODELS_DIR

    def paths(self, name: str) -> tuple[Path, Path]:
        """Return the (.keras, .json) paths for a model name."""
        return self.directory / f"{name}.keras", self.directory / f"{name}.json"

    def save(self, model: keras.Model, metadata: dict, name: str, replace_default: bool = False) -> StoredModel:
        """Save model and metadata atomically under name; the default is protected unless asked."""
        if not NAME_PATTERN.match(name):
            raise ValueError(f"Invalid model name {name!r}: use letters, digits, '-', '_' and '.'.")
        if name == config.DEFAULT_MODEL_NAME and not replace_default:
            raise ValueError("The bundled default model is never overwritten; choose another name.")
        self.directory.mkdir(parents=True, exist_ok=True)
        model_path, metadata_path = self.paths(name)
        metadata = {**metadata, "name": name}
        write_atomically(model_path, lambda temporary: model.save(temporary))
        metadata["file_sha256"] = compute_sha256(model_path)
        write_atomically(metadata_path, lambda temporary: temporary.write_text(json.dumps(metadata, indent=2)))
        return StoredModel(name, model_path, metadata_path, metadata)

    def new_name(self, architecture: str) -> str:
        """A fresh name for a trained model: architecture plus UTC time."""
        stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
        name, number = f"{architecture}-{stamp}", 1
        while self.paths(name)[0].exists():
            number += 1
            name = f"{architecture}-{stamp}-{number}"
        return name

    def scan(self) -> tuple[list[StoredModel], list[StoreProblem]]:
        """List complete models (default first, then newest first) and the problems found."""
        models, problems = [], []
        if not self.directory.exists():
            return models, problems
        for model_path in sorted(self.directory.glob("*.keras")):
            name = model_path.stem
            if name.startswith("."):
                continue  # a temporary file from a save in progress or interrupted
            metadata_path = model_path.with_suffix(".json")
            try:
                metadata = json.loads(metadata_path.read_text())
                if not isinstance(metadata, dict):
                    raise ValueError("metadata is not a JSON object")
            except FileNotFoundError:
                problems.append(StoreProblem(name, "has no metadata file (an interrupted save?); skipped."))
                continue
            except (ValueError, OSError) as error:
                problems.append(StoreProblem(name, f"has unreadable metadata ({error}); skipped."))
                continue
            if not zipfile.is_zipfile(model_path):
                problems.append(StoreProblem(name, "model file is corrupt or truncated; skipped."))
                continue
            models.append(StoredModel(name, model_path, metadata_path, metadata))
        defaults = [m for m in models if m.is_default]
        others = sorted((m for m in models if not m.is_default),
                        key=lambda m: m.metadata.get("created_at", ""), reverse=True)
        return defaults + others, problems

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

    def delete(self, name: str) -> None:
        """Delete a trained model and its metadata; the bundled default cannot be deleted."""
        if name == config.DEFAULT_MODEL_NAME:
            raise ValueError("The bundled default model cannot be deleted.")
        if not NAME_PATTERN.match(name):
            raise ValueError(f"Invalid model name {name!r}.")
        for path in self.paths(name):
            path.unlink(missing_ok=True)
