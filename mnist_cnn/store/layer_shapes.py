"""The output shape, parameter count and FLOPs of each layer type an uploaded model may use, from its config alone."""

import math
from dataclasses import dataclass

from mnist_cnn.store.upload_errors import ModelExchangeError

# Keras' names for the two paddings of a window (a convolution's or a pooling's).
PADDINGS = ("valid", "same")
# Layer configs may leave data_format unset (Keras then uses channels_last, the only layout the app feeds).
DATA_FORMATS = ("channels_last", None)


class LayerConfigError(ModelExchangeError):
    """A layer's config holds a value this server does not accept; the message names the layer and the value."""


@dataclass(frozen=True)
class LayerCost:
    """What one layer makes of its input, per image: its output shape, its weights and its arithmetic."""

    output_shape: tuple[int, ...]   # without the batch axis
    parameters: int                 # weights, biases and kept statistics (what Keras' count_params counts)
    flops: int                      # floating-point operations per image (a multiply-add counts two)


class LayerReader:
    """Typed access to one layer's config: each value is checked, and a bad one is named in a LayerConfigError."""

    def __init__(self, layer_name: str, class_name: str, config: dict):
        self.layer_name, self.class_name, self.config = layer_name, class_name, config

    def fail(self, problem: str):
        """Raise LayerConfigError about this layer."""
        raise LayerConfigError(f"Layer {self.layer_name[:40]!r} ({self.class_name}): {problem}.")

    def integer(self, key: str, default=None, minimum: int = 1) -> int:
        """A whole number ≥ minimum (default when absent)."""
        value = default if self.config.get(key) is None else self.config[key]
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            self.fail(f"{key!r} must be a whole number ≥ {minimum}, not {str(value)[:40]!r}")
        return value

    def pair(self, key: str, default=None, minimum: int = 1) -> tuple[int, int]:
        """Two whole numbers ≥ minimum (height, width), from one number or a list of two."""
        value = default if self.config.get(key) is None else self.config[key]
        values = value if isinstance(value, (list, tuple)) else [value, value]
        if len(values) != 2 or any(isinstance(item, bool) or not isinstance(item, int) or item < minimum
                                   for item in values):
            self.fail(f"{key!r} must be one or two whole numbers ≥ {minimum}, not {str(value)[:40]!r}")
        return values[0], values[1]

    def number(self, key: str, default: float) -> float:
        """A finite number."""
        value = self.config.get(key, default)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            self.fail(f"{key!r} must be a number, not {str(value)[:40]!r}")
        return value

    def choice(self, key: str, choices: tuple, default):
        """One of choices."""
        value = self.config.get(key, default)
        if value not in choices:
            self.fail(f"{key!r} must be one of {', '.join(map(str, choices))}, not {str(value)[:40]!r}")
        return value

    def flag(self, key: str, default: bool) -> bool:
        """True or False."""
        value = self.config.get(key, default)
        if not isinstance(value, bool):
            self.fail(f"{key!r} must be true or false, not {str(value)[:40]!r}")
        return value

    def image_shape(self, shape: tuple) -> tuple[int, int, int]:
        """The input as (height, width, channels), in the channels-last layout; refuse any other input."""
        self.choice("data_format", DATA_FORMATS, "channels_last")
        if len(shape) != 3:
            self.fail(f"it needs a height × width × channels input, and gets {shape}")
        return shape


def slide_window(reader: LayerReader, size: int, window: int, stride: int, dilation: int, padding: str) -> int:
    """How many positions a window takes along one side (Keras' rule for 'valid' and 'same' padding)."""
    span = (window - 1) * dilation + 1
    positions = -(-size // stride) if padding == "same" else (size - span) // stride + 1
    if positions < 1:
        reader.fail(f"its {window}-wide window does not fit an input {size} wide")
    return positions


def read_window(reader: LayerReader, shape: tuple, window_key: str, default_strides=None):
    """A windowed layer's (height, width, channels, window, strides, dilation, padding), checked."""
    height, width, channels = reader.image_shape(shape)
    window = reader.pair(window_key)
    strides = reader.pair("strides", default_strides or (1, 1))
    dilation = reader.pair("dilation_rate", (1, 1))
    if dilation != (1, 1) and strides != (1, 1):
        reader.fail("strides and dilation_rate cannot both be above 1")
    padding = reader.choice("padding", PADDINGS, "valid")
    rows = slide_window(reader, height, window[0], strides[0], dilation[0], padding)
    columns = slide_window(reader, width, window[1], strides[1], dilation[1], padding)
    return rows, columns, channels, window


def measure_conv2d(reader: LayerReader, shape: tuple) -> LayerCost:
    """Conv2D: filters × (window × input channels / groups) weights, plus a bias per filter."""
    filters, groups = reader.integer("filters"), reader.integer("groups", 1)
    rows, columns, channels, window = read_window(reader, shape, "kernel_size")
    if channels % groups or filters % groups:
        reader.fail(f"groups={groups} must divide its {channels} input channels and {filters} filters")
    weights_per_filter = window[0] * window[1] * channels // groups
    parameters = filters * weights_per_filter + (filters if reader.flag("use_bias", True) else 0)
    return LayerCost((rows, columns, filters), parameters, 2 * rows * columns * filters * weights_per_filter)


def measure_depthwise_conv2d(reader: LayerReader, shape: tuple) -> LayerCost:
    """DepthwiseConv2D: depth_multiplier windows per input channel, plus their biases."""
    multiplier = reader.integer("depth_multiplier", 1)
    rows, columns, channels, window = read_window(reader, shape, "kernel_size")
    outputs = channels * multiplier
    parameters = outputs * window[0] * window[1] + (outputs if reader.flag("use_bias", True) else 0)
    return LayerCost((rows, columns, outputs), parameters, 2 * rows * columns * outputs * window[0] * window[1])


def measure_separable_conv2d(reader: LayerReader, shape: tuple) -> LayerCost:
    """SeparableConv2D: a depthwise window per channel, then a 1×1 convolution to filters channels."""
    filters, multiplier = reader.integer("filters"), reader.integer("depth_multiplier", 1)
    rows, columns, channels, window = read_window(reader, shape, "kernel_size")
    depthwise = channels * multiplier * window[0] * window[1]
    pointwise = channels * multiplier * filters
    parameters = depthwise + pointwise + (filters if reader.flag("use_bias", True) else 0)
    return LayerCost((rows, columns, filters), parameters, 2 * rows * columns * (depthwise + pointwise))


def measure_pooling2d(reader: LayerReader, shape: tuple) -> LayerCost:
    """MaxPooling2D or AveragePooling2D: strides default to the pool size; no weights."""
    pool = reader.pair("pool_size", (2, 2))
    strides = reader.config.get("strides")
    rows, columns, channels, window = read_window(reader, shape, "pool_size", pool if strides is None else None)
    return LayerCost((rows, columns, channels), 0, rows * columns * channels * window[0] * window[1])


def measure_global_pooling2d(reader: LayerReader, shape: tuple) -> LayerCost:
    """GlobalAveragePooling2D or GlobalMaxPooling2D: one number per channel."""
    height, width, channels = reader.image_shape(shape)
    output = (1, 1, channels) if reader.flag("keepdims", False) else (channels,)
    return LayerCost(output, 0, height * width * channels)


def measure_batch_normalization(reader: LayerReader, shape: tuple) -> LayerCost:
    """BatchNormalization over the channels (the last axis): mean, variance, and scale and offset if learnt."""
    axis = reader.config.get("axis", -1)
    axis = axis[0] if isinstance(axis, list) and len(axis) == 1 else axis
    if axis not in (-1, len(shape)):
        reader.fail(f"only the last axis may be normalised, not axis {str(axis)[:20]}")
    if reader.flag("renorm", False):
        reader.fail("renorm is not supported")
    kept = 2 + reader.flag("center", True) + reader.flag("scale", True)
    return LayerCost(shape, kept * shape[-1], 2 * math.prod(shape))


def measure_elementwise(reader: LayerReader, shape: tuple) -> LayerCost:
    """An activation, a rescaling or a noise layer: the same shape, a few operations per number, no weights."""
    for key in ("negative_slope", "max_value", "threshold", "alpha", "scale", "offset", "stddev"):
        if reader.config.get(key) is not None:
            reader.number(key, 0.0)
    if reader.class_name == "Softmax" and reader.config.get("axis", -1) not in (-1, [-1], len(shape)):
        reader.fail("a softmax over another axis than the last is not supported")
    return LayerCost(shape, 0, 2 * math.prod(shape))


def measure_dropout(reader: LayerReader, shape: tuple) -> LayerCost:
    """Dropout or SpatialDropout2D: nothing at all when a model is used (only training drops)."""
    rate = reader.number("rate", 0.0)
    if not 0 <= rate < 1:
        reader.fail(f"the rate must be at least 0 and below 1, not {rate}")
    if reader.class_name == "SpatialDropout2D":
        reader.image_shape(shape)
    return LayerCost(shape, 0, 0)


def measure_flatten(reader: LayerReader, shape: tuple) -> LayerCost:
    """Flatten: one long vector."""
    reader.choice("data_format", DATA_FORMATS, "channels_last")
    return LayerCost((math.prod(shape),), 0, 0)


def measure_reshape(reader: LayerReader, shape: tuple) -> LayerCost:
    """Reshape: the same numbers in another shape (one side may be -1: whatever is left)."""
    target = reader.config.get("target_shape")
    if not isinstance(target, (list, tuple)) or not target or sum(side == -1 for side in target) > 1 or any(
            isinstance(side, bool) or not isinstance(side, int) or (side < 1 and side != -1) for side in target):
        reader.fail(f"target_shape must be whole numbers ≥ 1 (one may be -1), not {str(target)[:40]!r}")
    size, known = math.prod(shape), math.prod(side for side in target if side != -1)
    if size % known:
        reader.fail(f"{size} numbers cannot be reshaped to {tuple(target)}")
    output = tuple(size // known if side == -1 else side for side in target)
    if math.prod(output) != size:
        reader.fail(f"{size} numbers cannot be reshaped to {tuple(target)}")
    return LayerCost(output, 0, 0)


def measure_dense(reader: LayerReader, shape: tuple) -> LayerCost:
    """Dense on the last axis: inputs × units weights plus a bias per unit."""
    units = reader.integer("units")
    inputs = shape[-1]
    parameters = inputs * units + (units if reader.flag("use_bias", True) else 0)
    return LayerCost((*shape[:-1], units), parameters, 2 * math.prod(shape[:-1]) * inputs * units)


def measure_padding2d(reader: LayerReader, shape: tuple) -> LayerCost:
    """ZeroPadding2D or Cropping2D: rows and columns added (or cut) on each side."""
    height, width, channels = reader.image_shape(shape)
    key = "padding" if reader.class_name == "ZeroPadding2D" else "cropping"
    value = reader.config.get(key, 1 if key == "padding" else 0)
    sides = value if isinstance(value, (list, tuple)) else [value, value]
    sides = [side if isinstance(side, (list, tuple)) else [side, side] for side in sides]
    if len(sides) != 2 or any(len(pair) != 2 or any(isinstance(item, bool) or not isinstance(item, int) or item < 0
                                                    for item in pair) for pair in sides):
        reader.fail(f"{key!r} must be whole numbers ≥ 0, not {str(value)[:40]!r}")
    sign = 1 if key == "padding" else -1
    rows, columns = height + sign * sum(sides[0]), width + sign * sum(sides[1])
    if rows < 1 or columns < 1:
        reader.fail(f"it crops away the whole {height}×{width} input")
    return LayerCost((rows, columns, channels), 0, 0)


# Layer type -> what it makes of its input: the layers of the six architectures and ordinary MNIST networks.
# Any other type (UpSampling2D, Lambda, recurrent layers, custom classes, nested models...) is refused.
LAYER_RULES = {
    "Conv2D": measure_conv2d,
    "DepthwiseConv2D": measure_depthwise_conv2d,
    "SeparableConv2D": measure_separable_conv2d,
    "MaxPooling2D": measure_pooling2d,
    "AveragePooling2D": measure_pooling2d,
    "GlobalAveragePooling2D": measure_global_pooling2d,
    "GlobalMaxPooling2D": measure_global_pooling2d,
    "BatchNormalization": measure_batch_normalization,
    "Dropout": measure_dropout,
    "SpatialDropout2D": measure_dropout,
    "GaussianNoise": measure_elementwise,
    "Flatten": measure_flatten,
    "Reshape": measure_reshape,
    "Dense": measure_dense,
    "Activation": measure_elementwise,
    "ReLU": measure_elementwise,
    "LeakyReLU": measure_elementwise,
    "ELU": measure_elementwise,
    "Softmax": measure_elementwise,
    "Rescaling": measure_elementwise,
    "ZeroPadding2D": measure_padding2d,
    "Cropping2D": measure_padding2d,
}


def measure_layer(layer_name: str, class_name: str, config: dict, shape: tuple) -> LayerCost:
    """The cost of one known layer type on an input of shape (per image); LayerConfigError for a bad config."""
    return LAYER_RULES[class_name](LayerReader(layer_name, class_name, config), tuple(shape))
