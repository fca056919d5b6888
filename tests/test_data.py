"""Tests for the MNIST loader: shapes, dtypes, the checksum check, and the clear error when data is missing."""

import numpy as np
import pytest

from mnist_cnn import config
from mnist_cnn.data.mnist import DataError, compute_sha256, load_mnist


def test_bundled_file_matches_the_documented_checksum():
    assert compute_sha256(config.DATA_PATH) == config.DATA_SHA256


def test_shapes_dtypes_and_known_labels(mnist):
    (x_train, y_train), (x_test, y_test) = mnist
    assert x_train.shape == (60000, 28, 28) and x_train.dtype == np.uint8
    assert y_train.shape == (60000,) and y_train.dtype == np.uint8
    assert x_test.shape == (10000, 28, 28) and x_test.dtype == np.uint8
    assert y_test.shape == (10000,) and y_test.dtype == np.uint8
    assert y_train[:10].tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
    assert y_test[:10].tolist() == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]
    assert np.bincount(y_test).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


def test_tampered_copy_raises_a_checksum_error_naming_the_file(tmp_path):
    tampered = tmp_path / "mnist.npz"
    data = bytearray(config.DATA_PATH.read_bytes())
    data[-100] ^= 0xFF
    tampered.write_bytes(bytes(data))
    with pytest.raises(DataError, match="sha256") as error:
        load_mnist(tampered)
    assert str(tampered) in str(error.value)


def test_missing_file_without_download_says_where_to_put_it(tmp_path):
    missing = tmp_path / "nowhere" / "mnist.npz"
    with pytest.raises(DataError, match="put the Keras-layout file mnist.npz at"):
        load_mnist(missing, allow_download=False)


def test_missing_file_and_failing_download_gives_one_clear_message(tmp_path, monkeypatch):
    import keras

    def refuse_download():
        raise OSError("network unreachable")

    monkeypatch.setattr(keras.datasets.mnist, "load_data", refuse_download)
    with pytest.raises(DataError, match="MNIST was not found.*network unreachable"):
        load_mnist(tmp_path / "mnist.npz")


def test_wrong_arrays_are_reported(tmp_path):
    fake = tmp_path / "fake.npz"
    np.savez(fake, x_train=np.zeros((3, 28, 28), np.uint8), y_train=np.zeros(3, np.uint8),
             x_test=np.zeros((3, 28, 28), np.uint8), y_test=np.zeros(3, np.uint8))
    with pytest.raises(DataError, match="x_train has shape"):
        load_mnist(fake, expected_sha256=None)
