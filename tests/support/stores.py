"""Model stores for tests: a folder whose default model is a fresh (untrained) network of a given architecture."""

import json
from pathlib import Path

from mnist_cnn.architectures import build_model


def make_untrained_store(directory: Path, architecture: str, **metadata) -> Path:
    """A store in directory whose default.keras is an untrained `architecture`, with its default.json."""
    model = build_model(architecture)
    model.save(directory / "default.keras")
    metadata = {"architecture": architecture, "test_accuracy": 0.1, "parameter_count": model.count_params(),
                **metadata}
    (directory / "default.json").write_text(json.dumps(metadata))
    return directory
