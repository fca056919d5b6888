"""A built network for tests: a small layer list of every kind but global pooling, trained on a few digits and saved."""

from dataclasses import replace
from pathlib import Path

from mnist_cnn.model.built_network import BUILT_ARCHITECTURE
from mnist_cnn.store.model_store import ModelStore, StoredModel
from mnist_cnn.training.run import TrainingHooks, train_and_save
from mnist_cnn.training.settings import PANEL_SETTINGS

# conv -> batch norm + ReLU -> pooling -> dropout -> strided 'same' conv -> flatten -> dense -> (dense 10).
BUILT_SPEC = [
    {"kind": "conv", "filters": 8, "kernel_size": 3, "strides": 1, "padding": "valid", "activation": "none"},
    {"kind": "batch_norm", "activation": "relu"},
    {"kind": "max_pool", "pool_size": 2},
    {"kind": "dropout", "rate": 0.1},
    {"kind": "conv", "filters": 16, "kernel_size": 3, "strides": 2, "padding": "same", "activation": "relu"},
    {"kind": "flatten"},
    {"kind": "dense", "units": 16, "activation": "relu"},
]
BUILT_MODEL_NAME = "built-tiny"
TRAINING_DIGITS, TEST_DIGITS = 256, 200


def train_built_model(directory: Path, mnist, name: str = BUILT_MODEL_NAME) -> StoredModel:
    """BUILT_SPEC trained for one epoch on 256 digits (the Retrain panel's settings), measured and saved as a job
    saves it."""
    (x_train, y_train), (x_test, y_test) = mnist
    data = ((x_train[:TRAINING_DIGITS], y_train[:TRAINING_DIGITS]), (x_test[:TEST_DIGITS], y_test[:TEST_DIGITS]))
    settings = replace(PANEL_SETTINGS, architecture=BUILT_ARCHITECTURE, architecture_spec=BUILT_SPEC, epochs=1,
                       batch_size=64)
    return train_and_save(settings, ModelStore(directory), data, TrainingHooks(name=name, trained_with="a test"))
