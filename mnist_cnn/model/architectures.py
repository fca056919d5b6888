"""A registry of named CNN architectures for MNIST: five from the tutorials and our batch-normalised default."""

from dataclasses import dataclass
from collections.abc import Callable

import keras
from keras import layers

from mnist_cnn.config import NUM_CLASSES

# Every network reads one 28x28 grey image with floats in [0, 1] and returns 10 softmax probabilities.
INPUT_SHAPE = (28, 28, 1)


@dataclass(frozen=True)
class Architecture:
    """A named network builder with a one-line description for the UI."""

    name: str
    description: str
    build: Callable[[], keras.Model]


def build_four_conv_dense64() -> keras.Model:
    """Four 3x3 'same' conv layers (16, 32, 64, 64), pooling after the first three, Dense 64."""
    return keras.Sequential(
        [
            keras.Input(shape=INPUT_SHAPE, name="image"),  # (batch, 28, 28, 1)
            layers.Conv2D(16, 3, padding="same", activation="relu", name="conv1"),  # (batch, 28, 28, 16)
            layers.MaxPooling2D(2, name="pool1"),  # (batch, 14, 14, 16)
            layers.Conv2D(32, 3, padding="same", activation="relu", name="conv2"),  # (batch, 14, 14, 32)
            layers.MaxPooling2D(2, name="pool2"),  # (batch, 7, 7, 32)
            layers.Conv2D(64, 3, padding="same", activation="relu", name="conv3"),  # (batch, 7, 7, 64)
            layers.MaxPooling2D(2, name="pool3"),  # (batch, 3, 3, 64)
            layers.Conv2D(64, 3, padding="same", activation="relu", name="conv4"),  # (batch, 3, 3, 64)
            layers.Flatten(name="flatten"),
            layers.Dense(64, activation="relu", name="dense"),
            layers.Dense(NUM_CLASSES, activation="softmax", name="probabilities"),
        ],
        name="four_conv_dense64",
    )


def build_two_conv_dense128_dropout() -> keras.Model:
    """Conv 32, pool, conv 64, pool, Dense 128, Dropout 0.5."""
    return keras.Sequential(
        [
            keras.Input(shape=INPUT_SHAPE, name="image"),  # (batch, 28, 28, 1)
            layers.Conv2D(32, 3, activation="relu", name="conv1"),  # (batch, 26, 26, 32)
            layers.MaxPooling2D(2, name="pool1"),  # (batch, 13, 13, 32)
            layers.Conv2D(64, 3, activation="relu", name="conv2"),  # (batch, 11, 11, 64)
            layers.MaxPooling2D(2, name="pool2"),  # (batch, 5, 5, 64)
            layers.Flatten(name="flatten"),
            layers.Dense(128, activation="relu", name="dense"),
            layers.Dropout(0.5, name="dropout"),
            layers.Dense(NUM_CLASSES, activation="softmax", name="probabilities"),
        ],
        name="two_conv_dense128_dropout",
    )


def build_three_conv64_dense64_32() -> keras.Model:
    """Three conv-64 layers each followed by pooling, then Dense 64 and Dense 32."""
    return keras.Sequential(
        [
            keras.Input(shape=INPUT_SHAPE, name="image"),  # (batch, 28, 28, 1)
            layers.Conv2D(64, 3, padding="same", activation="relu", name="conv1"),  # (batch, 28, 28, 64)
            layers.MaxPooling2D(2, name="pool1"),  # (batch, 14, 14, 64)
            layers.Conv2D(64, 3, padding="same", activation="relu", name="conv2"),  # (batch, 14, 14, 64)
            layers.MaxPooling2D(2, name="pool2"),  # (batch, 7, 7, 64)
            layers.Conv2D(64, 3, padding="same", activation="relu", name="conv3"),  # (batch, 7, 7, 64)
            layers.MaxPooling2D(2, name="pool3"),  # (batch, 3, 3, 64)
            layers.Flatten(name="flatten"),
            layers.Dense(64, activation="relu", name="dense1"),
            layers.Dense(32, activation="relu", name="dense2"),
            layers.Dense(NUM_CLASSES, activation="softmax", name="probabilities"),
        ],
        name="three_conv64_dense64_32",
    )


def build_three_conv_dense128() -> keras.Model:
    """Conv 32, pool, conv 64, pool, conv 64, Dense 128."""
    return keras.Sequential(
        [
            keras.Input(shape=INPUT_SHAPE, name="image"),  # (batch, 28, 28, 1)
            layers.Conv2D(32, 3, activation="relu", name="conv1"),  # (batch, 26, 26, 32)
            layers.MaxPooling2D(2, name="pool1"),  # (batch, 13, 13, 32)
            layers.Conv2D(64, 3, activation="relu", name="conv2"),  # (batch, 11, 11, 64)
            layers.MaxPooling2D(2, name="pool2"),  # (batch, 5, 5, 64)
            layers.Conv2D(64, 3, activation="relu", name="conv3"),  # (batch, 3, 3, 64)
            layers.Flatten(name="flatten"),
            layers.Dense(128, activation="relu", name="dense"),
            layers.Dense(NUM_CLASSES, activation="softmax", name="probabilities"),
        ],
        name="three_conv_dense128",
    )


def build_keras_example() -> keras.Model:
    """The keras-io mnist_convnet example: conv 32, pool, conv 64, pool, Dropout 0.5 (34,826 parameters)."""
    return keras.Sequential(
        [
            keras.Input(shape=INPUT_SHAPE, name="image"),  # (batch, 28, 28, 1)
            layers.Conv2D(32, 3, activation="relu", name="conv1"),  # (batch, 26, 26, 32)
            layers.MaxPooling2D(2, name="pool1"),  # (batch, 13, 13, 32)
            layers.Conv2D(64, 3, activation="relu", name="conv2"),  # (batch, 11, 11, 64)
            layers.MaxPooling2D(2, name="pool2"),  # (batch, 5, 5, 64)
            layers.Flatten(name="flatten"),  # (batch, 1600)
            layers.Dropout(0.5, name="dropout"),
            layers.Dense(NUM_CLASSES, activation="softmax", name="probabilities"),
        ],
        name="keras_example",
    )


def conv_block(filters: int, kernel_size: int, name: str, strides: int = 1) -> list:
    """Conv (no bias) -> batch norm -> ReLU, as three named layers."""
    return [
        layers.Conv2D(filters, kernel_size, strides=strides, padding="same", use_bias=False, name=name),
        layers.BatchNormalization(name=f"{name}_bn"),
        layers.Activation("relu", name=f"{name}_relu"),
    ]


def build_batchnorm_cnn() -> keras.Model:
    """Our default: five batch-normalised 3x3 conv layers with strided downsampling, then a dense read-out."""
    return keras.Sequential(
        [
            keras.Input(shape=INPUT_SHAPE, name="image"),  # (batch, 28, 28, 1)
            *conv_block(16, 3, "conv1"),  # (batch, 28, 28, 16)
            *conv_block(32, 3, "conv2", strides=2),  # (batch, 14, 14, 32)
            layers.Dropout(0.1, name="dropout1"),
            *conv_block(64, 3, "conv3"),  # (batch, 14, 14, 64)
            *conv_block(64, 3, "conv4", strides=2),  # (batch, 7, 7, 64)
            layers.Dropout(0.1, name="dropout2"),
            *conv_block(160, 3, "conv5"),  # (batch, 7, 7, 160)
            layers.Flatten(name="flatten"),  # (batch, 7840)
            layers.Dropout(0.4, name="dropout3"),
            layers.Dense(NUM_CLASSES, activation="softmax", name="probabilities"),
        ],
        name="batchnorm_cnn",
    )


# The registry: name -> Architecture. The order is the order the UI lists them in.
ARCHITECTURES = {
    architecture.name: architecture
    for architecture in [
        Architecture("batchnorm_cnn", "Our default: five batch-normalised conv layers with strided downsampling and a "
                     "dense read-out; trained with augmentation (most accurate, slowest).", build_batchnorm_cnn),
        Architecture("keras_example", "The keras-io example: conv 32 → pool → conv 64 → pool → dropout → "
                     "dense 10 (small and fast).", build_keras_example),
        Architecture("four_conv_dense64", "Four 3×3 'same' conv layers (16, 32, 64, 64) with pooling, "
                     "then dense 64.", build_four_conv_dense64),
        Architecture("two_conv_dense128_dropout", "Conv 32 → pool → conv 64 → pool → dense 128 → "
                     "dropout 0.5.", build_two_conv_dense128_dropout),
        Architecture("three_conv64_dense64_32", "Three conv-64 layers, each pooled, then dense 64 → "
                     "dense 32.", build_three_conv64_dense64_32),
        Architecture("three_conv_dense128", "Conv 32 → pool → conv 64 → pool → conv 64 → dense 128.",
                     build_three_conv_dense128),
    ]
}

# The architecture of the bundled default model.
DEFAULT_ARCHITECTURE = "batchnorm_cnn"


def build_model(name: str) -> keras.Model:
    """Build a fresh, untrained network by its registry name."""
    if name not in ARCHITECTURES:
        raise ValueError(f"Unknown architecture {name!r}; choose one of {', '.join(ARCHITECTURES)}.")
    return ARCHITECTURES[name].build()
