"""Load MNIST offline from the bundled file, checking its checksum, with Keras's cache as a fallback."""

import hashlib
from pathlib import Path

import numpy as np

from mnist_cnn import config

# The exact shapes that keras.datasets.mnist.load_data() returns.
EXPECTED_SHAPES = {
    "x_train": (60000, 28, 28),
    "y_train": (60000,),
    "x_test": (10000, 28, 28),
    "y_test": (10000,),
}


class DataError(RuntimeError):
    """MNIST could not be loaded; the message says what to do."""


def compute_sha256(path: Path, chunk_size: int = 1 << 20) -> str:
    """Return the hex sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(chunk_size), b""):
            digest.update(chunk)
    return digest.hexdigest()


def read_npz(path: Path):
    """Read a Keras-layout MNIST .npz (no pickles) and check its arrays."""
    try:
        with np.load(path, allow_pickle=False) as archive:
            arrays = {key: archive[key] for key in EXPECTED_SHAPES}
    except Exception as error:  # zip errors, missing keys, truncation
        raise DataError(f"{path} is not a readable MNIST .npz file ({error}).") from error
    for key, shape in EXPECTED_SHAPES.items():
        if arrays[key].shape != shape or arrays[key].dtype != np.uint8:
            raise DataError(f"{path}: {key} has shape {arrays[key].shape} and dtype "
                            f"{arrays[key].dtype}, expected {shape} uint8.")
    return (arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"])


def load_from_keras():
    """Fall back to Keras's own cache or download; raise DataError if that fails."""
    try:
        import keras

        return keras.datasets.mnist.load_data()
    except Exception as error:
        raise DataError(
            f"MNIST was not found. Put the Keras-layout file mnist.npz at {config.DATA_PATH} "
            f"(sha256 {config.DATA_SHA256}), or let Keras download it to ~/.keras/datasets/. "
            f"The download failed: {error}"
        ) from error


def load_mnist(path: Path | None = None, expected_sha256: str | None = config.DATA_SHA256,
               allow_download: bool = True):
    """Return ((x_train, y_train), (x_test, y_test)) as uint8 arrays, like keras.datasets.mnist."""
    path = Path(path) if path is not None else config.DATA_PATH
    if path.exists():
        if expected_sha256 is not None:
            actual = compute_sha256(path)
            if actual != expected_sha256:
                raise DataError(
                    f"{path} has sha256 {actual}, expected {expected_sha256}: the file is "
                    f"damaged or not MNIST. Replace it with a fresh copy of mnist.npz "
                    f"(git checkout -- data/mnist.npz), or delete it to use Keras's download."
                )
        return read_npz(path)
    if not allow_download:
        raise DataError(f"MNIST was not found: put the Keras-layout file mnist.npz at {path}.")
    return load_from_keras()

