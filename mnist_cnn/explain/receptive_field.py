"""The receptive field of a feature-map pixel: which input pixels it sees, through every conv and pooling layer."""

import math
from dataclasses import dataclass

import keras

from mnist_cnn.model.layer_types import CONV_LAYERS, PIXELWISE_LAYERS, POOLING_LAYERS


@dataclass(frozen=True)
class SpatialStep:
    """One layer that moves pixels: its window, stride and the zero padding before the first row/column."""

    name: str
    kernel: tuple       # (height, width) of the window, dilation included
    stride: tuple       # (rows, columns)
    padding: tuple      # (top, left) zeros added before the input
    input_size: tuple   # (height, width) of its input
    output_size: tuple  # (height, width) of its output


@dataclass(frozen=True)
class ReceptiveField:
    """The input pixels one feature-map pixel depends on (inclusive bounds, clipped to the image)."""

    top: int
    bottom: int
    left: int
    right: int
    full_size: tuple  # (height, width) before clipping: the field as the network would see it with padding

    @property
    def height(self) -> int:
        """Rows of the input inside the field."""
        return self.bottom - self.top + 1

    @property
    def width(self) -> int:
        """Columns of the input inside the field."""
        return self.right - self.left + 1


def pair(value) -> tuple:
    """An int or a pair from a layer config as a (rows, columns) tuple."""
    return (int(value), int(value)) if isinstance(value, int) else (int(value[0]), int(value[1]))


def compute_padding_before(size: int, kernel: int, stride: int, padding: str) -> int:
    """Zeros TensorFlow adds before the first pixel: none for 'valid', half the total (rounded down) for 'same'."""
    if padding == "valid":
        return 0
    if padding != "same":
        raise ValueError(f"unknown padding {padding!r}")
    total = max((math.ceil(size / stride) - 1) * stride + kernel - size, 0)
    return total // 2


def make_step(name: str, kernel, stride, padding: str, dilation, input_size: tuple) -> SpatialStep:
    """A SpatialStep from a layer's settings and its input size."""
    kernel, stride, dilation = pair(kernel), pair(stride), pair(dilation)
    kernel = tuple((size - 1) * rate + 1 for size, rate in zip(kernel, dilation))  # a dilated window
    before = tuple(compute_padding_before(n, k, s, padding) for n, k, s in zip(input_size, kernel, stride))
    if padding == "same":
        output = tuple(math.ceil(n / s) for n, s in zip(input_size, stride))
    else:
        output = tuple((n - k) // s + 1 for n, k, s in zip(input_size, kernel, stride))
    return SpatialStep(name, kernel, stride, before, tuple(input_size), output)


def list_spatial_steps(model: keras.Model) -> list[SpatialStep]:
    """The model's conv and pooling layers as SpatialSteps, in order, up to the first non-spatial layer."""
    size = tuple(int(n) for n in model.input_shape[1:3])
    steps = []
    for layer in model.layers:
        if isinstance(layer, CONV_LAYERS):
            steps.append(make_step(layer.name, layer.kernel_size, layer.strides, layer.padding,
                                   layer.dilation_rate, size))
        elif isinstance(layer, POOLING_LAYERS):
            steps.append(make_step(layer.name, layer.pool_size, layer.strides or layer.pool_size,
                                   layer.padding, 1, size))
        elif isinstance(layer, PIXELWISE_LAYERS):
            continue  # a functional model lists its input as a layer
        else:
            break  # flatten, global pooling, dense: every pixel is mixed with every other from here on
        size = steps[-1].output_size
    return steps


def find_step_index(steps: list[SpatialStep], layer_name: str) -> int:
    """The position of the step named layer_name; ValueError when the model has no such spatial layer."""
    for index, step in enumerate(steps):
        if step.name == layer_name:
            return index
    raise ValueError(f"{layer_name!r} is not a convolution or pooling layer of this model")


def compute_receptive_field(steps: list[SpatialStep], layer_name: str, row: int, col: int) -> ReceptiveField:
    """The input pixels that output pixel (row, col) of layer_name sees, followed back through every step."""
    index = find_step_index(steps, layer_name)
    height, width = steps[index].output_size
    if not (0 <= row < height and 0 <= col < width):
        raise ValueError(f"pixel ({row}, {col}) is outside {layer_name}'s {height}×{width} map")
    rows, cols = (row, row), (col, col)  # inclusive pixel ranges, first in the layer's output
    for step in reversed(steps[:index + 1]):  # output range [a, b] reads input [a·s − p, b·s − p + k − 1]
        rows = (rows[0] * step.stride[0] - step.padding[0],
                rows[1] * step.stride[0] - step.padding[0] + step.kernel[0] - 1)
        cols = (cols[0] * step.stride[1] - step.padding[1],
                cols[1] * step.stride[1] - step.padding[1] + step.kernel[1] - 1)
    input_height, input_width = steps[0].input_size
    return ReceptiveField(max(rows[0], 0), min(rows[1], input_height - 1), max(cols[0], 0),
                          min(cols[1], input_width - 1), (rows[1] - rows[0] + 1, cols[1] - cols[0] + 1))
