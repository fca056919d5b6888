"""Model stores for tests: an untrained default of a given architecture, or a trained model saved as a job saves it."""

import json
from pathlib import Path

import keras

from mnist_cnn.model.architectures import build_model
from mnist_cnn.store.model_store import ModelStore, build_metadata


# The untrained weights' seed: the same weights whichever tests ran before (their verdicts on a drawing too).
UNTRAINED_SEED = 0


def make_untrained_store(directory: Path, architecture: str, **metadata) -> Path:
    """A store in directory whose default.keras is an untrained `architecture`, with its default.json."""
    keras.utils.set_random_seed(UNTRAINED_SEED)
    model = build_model(architecture)
    model.save(directory / "default.keras")
    metadata = {"architecture": architecture, "test_accuracy": 0.1, "parameter_count": model.count_params(),
                **metadata}
    (directory / "default.json").write_text(json.dumps(metadata))
    return directory


def save_trained_model(directory, model, name: str):
    """Put a trained model into the store the way a finished job does."""
    history = {"loss": [0.9, 0.4], "accuracy": [0.7, 0.9], "val_loss": [0.5, 0.3], "val_accuracy": [0.85, 0.92]}
    metadata = build_metadata(model, "keras_example", {"epochs": 2, "train_subset": 2000}, history,
                              [1.0, 1.0], 2.0, 0.3, 0.91)
    return ModelStore(directory).save(model, metadata, name)
