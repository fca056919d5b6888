"""A .keras file's forward pass in NumPy: answers the first strokes while TensorFlow is still being imported."""

import json
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mnist_cnn.inputs.images import to_image_batch, to_model_batch
from mnist_cnn.model.classification import Classification, build_classification

# The layers this forward pass knows (Keras class names); any other makes read_keras_file raise.
PASS_THROUGH_LAYERS = ("InputLayer", "Dropout", "SpatialDropout2D", "GaussianNoise")  # identity at inference
WEIGHTED_LAYERS = ("Conv2D", "BatchNormalization", "Dense")
SHAPE_LAYERS = ("Activation", "MaxPooling2D", "Flatten", "GlobalAveragePooling2D")
KNOWN_LAYERS = PASS_THROUGH_LAYERS + WEIGHTED_LAYERS + SHAPE_LAYERS
# The models this reads: a plain chain of layers, one input to one output.
CHAIN_MODELS = ("Sequential", "Functional")


class NumpyForwardError(ValueError):
    """A model file this forward pass cannot run (unknown layer, not a chain, unreadable file)."""


@dataclass(frozen=True)
class NumpyLayer:
    """One layer: its Keras class name, its config and its weights in Keras's order."""

    kind: str
    settings: dict
    weights: tuple[np.ndarray, ...]


@dataclass(frozen=True)
class NumpyNetwork:
    """A chain of layers read from a .keras file, run with NumPy only."""

    name: str
    layers: tuple[NumpyLayer, ...]

    @property
    def ends_in_softmax_dense(self) -> bool:
        """True when the last layer is a softmax Dense layer: its logits (class scores) can be read."""
        last = self.layers[-1]
        return last.kind == "Dense" and last.settings.get("activation") == "softmax"


def read_chain(config: dict) -> list[dict]:
    """The layer configs of a Sequential model, or of a Functional model whose layers form one chain."""
    if config.get("class_name") not in CHAIN_MODELS:
        raise NumpyForwardError(f"A {config.get('class_name')!r} model is not a chain of layers.")
    layers = config["config"]["layers"]
    if config["class_name"] == "Functional":
        for previous, layer in zip(layers, layers[1:]):
            nodes = layer.get("inbound_nodes", [])
            history = [argument.get("config", {}).get("keras_history", [None])[0]
                       for node in nodes for argument in node.get("args", []) if isinstance(argument, dict)]
            if history != [previous["config"]["name"]]:
                raise NumpyForwardError(f"Layer {layer['config']['name']!r} does not follow only the layer before it.")
    return layers


def read_weights(weights_file) -> dict[str, tuple[np.ndarray, ...]]:
    """Each layer's weights by layer name, from Keras 3's model.weights.h5 (an open h5py.File; groups .../vars)."""
    import h5py

    found = {}

    def collect(_, item) -> None:
        if isinstance(item, h5py.Group) and item.name.endswith("/vars") and "name" in item.attrs:
            found[str(item.attrs["name"])] = tuple(np.asarray(item[str(index)], np.float32)
                                                   for index in range(len(item)))

    weights_file.visititems(collect)
    return found


def read_keras_file(path: str | Path) -> NumpyNetwork:
    """Read a .keras file (config.json + model.weights.h5) into a NumpyNetwork; NumpyForwardError if it cannot."""
    import h5py  # imported on the first stroke, not before the page shows

    try:
        with zipfile.ZipFile(path) as archive:
            config = json.loads(archive.read("config.json"))
            with archive.open("model.weights.h5") as handle, h5py.File(handle, "r") as weights_file:
                weights = read_weights(weights_file)
    except (OSError, KeyError, zipfile.BadZipFile, json.JSONDecodeError) as error:
        raise NumpyForwardError(f"{Path(path).name} is not a readable .keras file: {error}") from error
    layers = []
    for layer in read_chain(config):
        kind, settings = layer.get("class_name"), layer.get("config", {})
        if kind not in KNOWN_LAYERS:
            raise NumpyForwardError(f"The layer type {kind!r} has no NumPy forward pass.")
        if kind in WEIGHTED_LAYERS and settings["name"] not in weights:
            raise NumpyForwardError(f"No weights for layer {settings['name']!r}.")
        check_settings(kind, settings)
        layers.append(NumpyLayer(kind, settings, weights.get(settings["name"], ())))
    if not layers:
        raise NumpyForwardError("The model has no layers.")
    return NumpyNetwork(config["config"].get("name", Path(path).stem), tuple(layers))


def check_settings(kind: str, settings: dict) -> None:
    """Raise NumpyForwardError for settings this forward pass does not implement."""
    if settings.get("data_format", "channels_last") != "channels_last":
        raise NumpyForwardError(f"{kind} {settings['name']!r}: only channels_last data is supported.")
    if kind == "Conv2D" and (tuple(settings.get("dilation_rate", (1, 1))) != (1, 1) or settings.get("groups", 1) != 1):
        raise NumpyForwardError(f"Conv2D {settings['name']!r}: dilation and groups are not supported.")
    if kind == "BatchNormalization" and settings.get("axis") not in (-1, 3, [-1], [3]):
        raise NumpyForwardError(f"BatchNormalization {settings['name']!r}: only the channel axis is supported.")
    if "activation" in settings and settings["activation"] not in ACTIVATIONS:
        raise NumpyForwardError(f"{kind} {settings['name']!r}: activation {settings['activation']!r} is not supported.")


def compute_softmax(values: np.ndarray) -> np.ndarray:
    """Softmax over the last axis, shifted by the maximum for stability."""
    shifted = np.exp(values - values.max(axis=-1, keepdims=True))
    return shifted / shifted.sum(axis=-1, keepdims=True)


def compute_gelu(values: np.ndarray) -> np.ndarray:
    """Keras's default (exact) GELU: x · Φ(x)."""
    from scipy.special import erf

    return 0.5 * values * (1.0 + erf(values / np.sqrt(2.0)))


# Keras activation names and their NumPy functions.
ACTIVATIONS = {
    "linear": lambda values: values,
    "relu": lambda values: np.maximum(values, 0.0),
    "softmax": compute_softmax,
    "sigmoid": lambda values: 1.0 / (1.0 + np.exp(-values)),
    "tanh": np.tanh,
    "elu": lambda values: np.where(values > 0, values, np.expm1(np.minimum(values, 0.0))),
    "gelu": compute_gelu,
}


def pad_for(size: int, window: int, stride: int, padding: str) -> tuple[int, int]:
    """TensorFlow's (before, after) padding of one spatial axis: none for "valid", centred (extra after) for "same"."""
    if padding == "valid":
        return 0, 0
    output = -(-size // stride)  # ceil(size / stride)
    total = max((output - 1) * stride + window - size, 0)
    return total // 2, total - total // 2


def slide_windows(batch: np.ndarray, window: tuple[int, int], strides: tuple[int, int], padding: str,
                  fill: float) -> np.ndarray:
    """(batch, out_h, out_w, channels, window_h, window_w) views of a (batch, h, w, channels) input."""
    pads = [pad_for(batch.shape[axis], window[axis - 1], strides[axis - 1], padding) for axis in (1, 2)]
    if any(sum(pad) for pad in pads):
        batch = np.pad(batch, [(0, 0), *pads, (0, 0)], constant_values=fill)
    views = np.lib.stride_tricks.sliding_window_view(batch, window, axis=(1, 2))
    return views[:, ::strides[0], ::strides[1]]


def run_conv(layer: NumpyLayer, batch: np.ndarray) -> np.ndarray:
    """Conv2D as one matrix product over the input's patches (im2col)."""
    kernel = layer.weights[0]  # (kh, kw, in_channels, filters)
    windows = slide_windows(batch, kernel.shape[:2], tuple(layer.settings["strides"]), layer.settings["padding"], 0.0)
    count, height, width = windows.shape[:3]
    patches = windows.transpose(0, 1, 2, 4, 5, 3).reshape(count * height * width, -1)  # (n·h·w, kh·kw·in)
    output = (patches @ kernel.reshape(-1, kernel.shape[-1])).reshape(count, height, width, -1)
    if layer.settings.get("use_bias", True):
        output = output + layer.weights[1]
    return ACTIVATIONS[layer.settings.get("activation", "linear")](output)


def run_batch_norm(layer: NumpyLayer, batch: np.ndarray) -> np.ndarray:
    """BatchNormalization in inference mode: the moving mean and variance, then scale and centre."""
    weights = list(layer.weights)
    gamma = weights.pop(0) if layer.settings.get("scale", True) else 1.0
    beta = weights.pop(0) if layer.settings.get("center", True) else 0.0
    mean, variance = weights
    return (batch - mean) / np.sqrt(variance + layer.settings.get("epsilon", 1e-3)) * gamma + beta


def run_max_pool(layer: NumpyLayer, batch: np.ndarray) -> np.ndarray:
    """MaxPooling2D (strides default to the pool size)."""
    pool = tuple(layer.settings["pool_size"])
    strides = tuple(layer.settings.get("strides") or pool)
    return slide_windows(batch, pool, strides, layer.settings.get("padding", "valid"), -np.inf).max(axis=(-2, -1))


def run_dense(layer: NumpyLayer, batch: np.ndarray) -> np.ndarray:
    """Dense: x · kernel + bias, then the activation."""
    output = batch @ layer.weights[0]
    if layer.settings.get("use_bias", True):
        output = output + layer.weights[1]
    return ACTIVATIONS[layer.settings.get("activation", "linear")](output)


# How each layer type runs on a batch.
LAYER_FUNCTIONS = {
    "Conv2D": run_conv,
    "BatchNormalization": run_batch_norm,
    "Dense": run_dense,
    "MaxPooling2D": run_max_pool,
    "Activation": lambda layer, batch: ACTIVATIONS[layer.settings["activation"]](batch),
    "Flatten": lambda layer, batch: batch.reshape(len(batch), -1),
    "GlobalAveragePooling2D": lambda layer, batch: batch.mean(axis=(1, 2)),
    **{kind: lambda layer, batch: batch for kind in PASS_THROUGH_LAYERS},
}


def compute_scores(network: NumpyNetwork, images: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(probabilities (n, 10), digit scores (n,)): scores as inference.make_scores_function defines them."""
    batch = to_image_batch(images) if np.ndim(images) == 2 else to_model_batch(images)  # (n, 28, 28, 1)
    last = len(network.layers) - 1
    for index, layer in enumerate(network.layers):
        if index == last and network.ends_in_softmax_dense:
            logits = run_dense(NumpyLayer("Dense", {**layer.settings, "activation": "linear"}, layer.weights), batch)
            return compute_softmax(logits), logits.max(axis=1)  # the top class score
        batch = LAYER_FUNCTIONS[layer.kind](layer, batch)
    return batch, batch.max(axis=1)


def classify_without_verdict(network: NumpyNetwork, model_input: np.ndarray) -> Classification:
    """Classify one (28, 28) input in [0, 1]; the "not a digit" verdict needs TensorFlow's calibration (left out)."""
    probabilities, scores = compute_scores(network, model_input)
    return build_classification(probabilities[0], float(scores[0]))  # (10,), no threshold
