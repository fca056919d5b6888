"""Read a model's learned convolution kernels, biases and the batch-norm parameters that follow them."""

from dataclasses import dataclass

import keras
import numpy as np

from mnist_cnn.explain.choices import MEAN_ABSOLUTE  # noqa: F401 (deeper kernels reduced to one per channel)
from mnist_cnn.model.layer_types import CONV_LAYERS, NORMALISATION_LAYERS, STAGE_FOLLOWER_LAYERS


@dataclass
class ConvWeights:
    """One conv layer's weights as NumPy arrays, plus the batch norm right after it, if any."""

    name: str
    kernel: np.ndarray              # (kernel_height, kernel_width, input_channels, output_channels)
    bias: np.ndarray | None         # (output_channels,) or None when use_bias=False
    batchnorm_name: str | None = None
    gamma: np.ndarray | None = None  # (output_channels,) batch-norm scale
    beta: np.ndarray | None = None   # (output_channels,) batch-norm shift

    @property
    def input_channels(self) -> int:
        """How many channels each kernel reads."""
        return int(self.kernel.shape[2])

    @property
    def output_channels(self) -> int:
        """How many kernels (feature maps) the layer has."""
        return int(self.kernel.shape[3])


def list_conv_layers(model: keras.Model) -> list:
    """The model's convolution layers in order, found by type."""
    return [layer for layer in model.layers if isinstance(layer, CONV_LAYERS)]


def find_following_batchnorm(model: keras.Model, conv_layer):
    """The BatchNormalization layer in the same conv stage as conv_layer, or None."""
    layers = list(model.layers)
    start = layers.index(conv_layer) + 1
    for layer in layers[start:]:
        if isinstance(layer, NORMALISATION_LAYERS):
            return layer
        if not isinstance(layer, STAGE_FOLLOWER_LAYERS):
            return None
    return None


def read_conv_weights(model: keras.Model, layer_name: str) -> ConvWeights:
    """A conv layer's kernel and bias (None without one), and the gamma/beta of its batch norm."""
    layer = model.get_layer(layer_name)
    if not isinstance(layer, CONV_LAYERS):
        raise ValueError(f"{layer_name!r} is a {type(layer).__name__}, not a convolution layer.")
    kernel = np.asarray(layer.kernel.numpy())  # (kh, kw, in, out)
    bias = np.asarray(layer.bias.numpy()) if getattr(layer, "use_bias", False) and layer.bias is not None else None
    weights = ConvWeights(layer.name, kernel, bias)
    batchnorm = find_following_batchnorm(model, layer)
    if batchnorm is not None:
        weights.batchnorm_name = batchnorm.name
        weights.gamma = np.asarray(batchnorm.gamma.numpy()) if batchnorm.gamma is not None else None
        weights.beta = np.asarray(batchnorm.beta.numpy()) if batchnorm.beta is not None else None
    return weights


def select_kernels(kernel: np.ndarray, input_channel: int | str = 0) -> np.ndarray:
    """One 2-D kernel per output channel, (kh, kw, out): for one input channel, or the mean |w| over all."""
    kernel = np.asarray(kernel)
    if kernel.ndim != 4:
        raise ValueError(f"expected a conv kernel (kh, kw, in, out), got shape {kernel.shape}")
    if input_channel == MEAN_ABSOLUTE:
        return np.abs(kernel).mean(axis=2)
    if not isinstance(input_channel, (int, np.integer)) or not 0 <= input_channel < kernel.shape[2]:
        raise ValueError(f"input channel must be 0..{kernel.shape[2] - 1} or {MEAN_ABSOLUTE!r}, "
                         f"got {input_channel!r}")
    return kernel[:, :, int(input_channel), :]


def summarize_weights(values: np.ndarray) -> dict:
    """Mean, standard deviation, min, max and L2 norm of an array of weights, plus its size."""
    values = np.asarray(values, dtype="float64").reshape(-1)
    if values.size == 0:
        raise ValueError("no weights to summarize")
    return {"count": int(values.size), "mean": float(values.mean()), "std": float(values.std()),
            "min": float(values.min()), "max": float(values.max()), "L2 norm": float(np.linalg.norm(values))}
