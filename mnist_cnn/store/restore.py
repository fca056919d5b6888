"""What to tell a person whose model store holds no usable model: how to put the bundled default back."""

from pathlib import Path

from mnist_cnn import config


def describe_empty_store(directory: Path) -> str:
    """The message for a store without a usable model, with advice that works for that folder."""
    directory = Path(directory)
    bundled = config.PROJECT_ROOT / "models"
    if directory.resolve() == bundled.resolve():
        return (f"No usable model in {directory}. Restore the bundled default (`git checkout -- models/`) or train "
                f"one with `python -m mnist_cnn train`.")
    return (f"No usable model in {directory} (MNIST_CNN_MODELS). Copy the bundled default there "
            f"(`cp {bundled}/{config.DEFAULT_MODEL_NAME}.* {directory}/`), train one into it with "
            f"`python -m mnist_cnn train`, or unset MNIST_CNN_MODELS to use {bundled}.")
