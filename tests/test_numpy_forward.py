"""The NumPy forward pass against Keras (the trusted reference): the bundled model, small models of each layer."""

import keras
import numpy as np
import pytest

from mnist_cnn import config
from mnist_cnn.model.architectures import ARCHITECTURES, build_model
from mnist_cnn.model.built_network import build_from_spec
from mnist_cnn.model.inference import compute_digit_scores
from mnist_cnn.model.numpy_forward import (NumpyForwardError, classify_without_verdict, compute_scores,
                                           read_keras_file)

TOLERANCE = 1e-4  # the largest difference of probabilities allowed against Keras


def make_images(count: int = 6, seed: int = 0) -> np.ndarray:
    """(count, 28, 28) float32 in [0, 1]: half random strokes-like blobs, half noise."""
    random = np.random.default_rng(seed)
    images = random.random((count, 28, 28)).astype(np.float32)
    images[: count // 2] = (images[: count // 2] > 0.85).astype(np.float32)
    return images


def randomise_batch_norm(model: keras.Model, seed: int = 1) -> None:
    """Give every BatchNormalization layer non-trivial moving statistics (fresh ones are the identity)."""
    random = np.random.default_rng(seed)
    for layer in model.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            weights = layer.get_weights()  # [gamma,] [beta,] moving mean, moving variance
            positive = {len(weights) - 1} | ({0} if layer.scale else set())  # the variance and gamma
            layer.set_weights([random.uniform(0.5, 1.5, weight.shape).astype(np.float32) if index in positive
                               else random.normal(0, 0.3, weight.shape).astype(np.float32)
                               for index, weight in enumerate(weights)])


def save_and_compare(model: keras.Model, tmp_path) -> None:
    """Save a model, read it with NumPy, and compare probabilities and digit scores with Keras."""
    randomise_batch_norm(model)
    path = tmp_path / f"{model.name}.keras"
    model.save(path)
    images = make_images()
    expected_probabilities, expected_scores = compute_digit_scores(model, images)
    probabilities, scores = compute_scores(read_keras_file(path), images)
    assert np.abs(probabilities - expected_probabilities).max() < TOLERANCE
    assert np.abs(scores - expected_scores).max() < 1e-3


def test_bundled_model_matches_keras():
    """The bundled default model: the same probabilities as Keras on drawings and noise."""
    path = config.MODELS_DIR / f"{config.DEFAULT_MODEL_NAME}.keras"
    images = make_images(8)
    expected, expected_scores = compute_digit_scores(keras.saving.load_model(path, compile=False), images)
    probabilities, scores = compute_scores(read_keras_file(path), images)
    assert np.abs(probabilities - expected).max() < TOLERANCE
    assert np.abs(scores - expected_scores).max() < 1e-3
    answer = classify_without_verdict(read_keras_file(path), images[0])
    assert answer.digit == int(np.argmax(expected[0]))
    assert answer.is_digit  # no verdict without TensorFlow's calibration


# Small models, one per layer kind (and padding, stride and activation) the forward pass implements.
LAYER_STACKS = {
    "conv_same_stride": [keras.layers.Conv2D(4, 3, strides=2, padding="same", activation="relu"),
                         keras.layers.Flatten(), keras.layers.Dense(10, activation="softmax")],
    "conv_valid_batch_norm": [keras.layers.Conv2D(3, 5, padding="valid", use_bias=False),
                              keras.layers.BatchNormalization(), keras.layers.Activation("relu"),
                              keras.layers.Dropout(0.5), keras.layers.Flatten(), keras.layers.Dense(10)],
    "pooling": [keras.layers.Conv2D(4, 3, strides=(1, 2), padding="same", activation="elu"),
                keras.layers.MaxPooling2D(2), keras.layers.MaxPooling2D(2, padding="same"),
                keras.layers.GlobalAveragePooling2D(), keras.layers.Dense(10, activation="softmax")],
    "dense_activations": [keras.layers.Flatten(), keras.layers.Dense(8, activation="tanh"),
                          keras.layers.Dense(8, activation="gelu"), keras.layers.Dense(8, activation="sigmoid"),
                          keras.layers.BatchNormalization(center=False), keras.layers.Dense(10, activation="softmax")],
}


@pytest.mark.parametrize("name", sorted(LAYER_STACKS))
def test_small_models_match_keras(name, tmp_path):
    """Each layer kind gives Keras's probabilities (Sequential models of random weights)."""
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((28, 28, 1)), *LAYER_STACKS[name]], name=name)
    save_and_compare(model, tmp_path)


def test_functional_chain_matches_keras(tmp_path):
    """A Functional model whose layers form one chain runs too."""
    keras.utils.set_random_seed(0)
    inputs = keras.Input((28, 28, 1))
    hidden = keras.layers.Conv2D(2, 3, activation="relu")(inputs)
    outputs = keras.layers.Dense(10, activation="softmax")(keras.layers.Flatten()(hidden))
    model = keras.Model(inputs, outputs, name="chain")
    model.save(tmp_path / "chain.keras")
    images = make_images()
    expected = np.asarray(model(images[..., None], training=False))  # (n, 10)
    probabilities, _ = compute_scores(read_keras_file(tmp_path / "chain.keras"), images)
    assert np.abs(probabilities - expected).max() < TOLERANCE


def test_unknown_layer_is_a_clear_error(tmp_path):
    """A layer type it does not implement: a ValueError that names it (the app then waits for TensorFlow)."""
    model = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.AveragePooling2D(2), keras.layers.Flatten(),
                              keras.layers.Dense(10, activation="softmax")])
    model.save(tmp_path / "average.keras")
    with pytest.raises(ValueError, match="AveragePooling2D"):
        read_keras_file(tmp_path / "average.keras")


def test_unreadable_file_and_bad_input_are_clear_errors(tmp_path):
    """Not a zip, and an image of the wrong size: ValueErrors with a message."""
    (tmp_path / "broken.keras").write_bytes(b"not a zip")
    with pytest.raises(NumpyForwardError, match="not a readable"):
        read_keras_file(tmp_path / "broken.keras")
    network = read_keras_file(config.MODELS_DIR / f"{config.DEFAULT_MODEL_NAME}.keras")
    with pytest.raises(ValueError, match=r"\(28, 28\)"):
        compute_scores(network, np.zeros((27, 28), np.float32))


@pytest.mark.parametrize("name", sorted(ARCHITECTURES))
def test_every_registered_architecture_matches_keras(name, tmp_path):
    """The Retrain panel's architectures (the Build page's presets), freshly built with random weights."""
    keras.utils.set_random_seed(0)
    save_and_compare(build_model(name), tmp_path)


def test_a_built_network_of_every_kind_and_activation_matches_keras(tmp_path):
    """A Build page layer list with each kind of row and each activation it offers."""
    keras.utils.set_random_seed(0)
    spec = [{"kind": "conv", "filters": 4, "strides": 2, "padding": "same", "activation": "gelu"},
            {"kind": "batch_norm", "activation": "elu"}, {"kind": "conv", "filters": 4, "activation": "tanh"},
            {"kind": "max_pool"}, {"kind": "conv", "filters": 6, "activation": "sigmoid"},
            {"kind": "dropout"}, {"kind": "global_average_pool"}, {"kind": "dense", "units": 8, "activation": "none"},
            {"kind": "batch_norm"}, {"kind": "dense", "units": 8}]
    save_and_compare(build_from_spec(spec), tmp_path)
