"""The whole network at once: one image's input, every conv/pooling stage's maps, the dense layers and the answer."""

from dataclasses import dataclass

import keras
import numpy as np

from mnist_cnn.explain.feature_maps import compute_feature_maps, list_feature_layers
from mnist_cnn.inputs.images import to_grey_image
from mnist_cnn.model.layer_types import DENSE_LAYERS, applies_softmax

# Kinds of stage, in the order a network shows them.
INPUT, CONV, POOL, DENSE, OUTPUT = "input", "conv", "pool", "dense", "output"
SPATIAL_KINDS = (INPUT, CONV, POOL)


@dataclass(frozen=True)
class FlowStage:
    """One stage of the flow: its name, kind and values for one image."""

    name: str            # the name shown: the conv or pooling layer's own name, "input" or a dense layer's name
    kind: str            # INPUT, CONV, POOL, DENSE or OUTPUT
    values: np.ndarray   # (height, width, channels) for spatial stages; (units,) for dense ones and the output
    description: str     # e.g. "conv1 → conv1_bn → conv1_relu · 28×28×16"

    @property
    def is_spatial(self) -> bool:
        """True for stages made of feature maps (the input and the conv and pooling stages)."""
        return self.kind in SPATIAL_KINDS


def list_flow_layers(model: keras.Model) -> list[tuple[str, str, str, str]]:
    """(name, kind, layer whose output is shown, description) of every conv/pooling stage and hidden Dense layer."""
    stages = [(layer.name, layer.kind, layer.output_layer, layer.description)
              for layer in list_feature_layers(model, include_pooling=True)]
    for layer in model.layers[:-1]:
        if isinstance(layer, DENSE_LAYERS):
            units = int(layer.units)
            stages.append((layer.name, DENSE, layer.name, f"{layer.name} · {units} units"))
    return stages


def as_probabilities(values: np.ndarray) -> np.ndarray:
    """The model's last output as probabilities: kept when they already are, else passed through a softmax."""
    values = np.asarray(values, dtype="float64").reshape(-1)
    if np.all(values >= 0) and abs(values.sum() - 1.0) < 1e-3:
        return values.astype("float32")
    shifted = np.exp(values - values.max())
    return (shifted / shifted.sum()).astype("float32")


def compute_network_flow(model: keras.Model, image: np.ndarray) -> list[FlowStage]:
    """Every stage's values for one (28, 28) image, from one forward pass (model(x, training=False))."""
    image = to_grey_image(image)  # (28, 28)
    layers = list_flow_layers(model)
    last = model.layers[-1]
    names = tuple(dict.fromkeys([output for _, _, output, _ in layers] + [last.name]))
    outputs = compute_feature_maps(model, image, names)  # one pass through an activation model
    stages = [FlowStage("input", INPUT, image[:, :, np.newaxis], "input · 28×28×1")]
    for name, kind, output, description in layers:
        stages.append(FlowStage(name, kind, np.asarray(outputs[output], dtype="float32"), description))
    final = np.asarray(outputs[last.name], dtype="float32").reshape(-1)
    probabilities = final if applies_softmax(last) else as_probabilities(final)
    stages.append(FlowStage(last.name, OUTPUT, probabilities, f"{last.name} · {probabilities.size} probabilities"))
    return stages


def scale_to_unit(values: np.ndarray) -> np.ndarray:
    """Values stretched to [0, 1] over the whole array (one colour scale per layer); a flat array becomes 0."""
    values = np.asarray(values, dtype="float32")
    low, high = float(values.min()), float(values.max())
    if high <= low:
        return np.zeros_like(values)
    return (values - low) / (high - low)


def make_small_multiples(stage: FlowStage) -> np.ndarray:
    """A spatial stage's maps as (channels, height, width) in [0, 1], on one scale shared by the layer."""
    if not stage.is_spatial:
        raise ValueError(f"{stage.name} is a {stage.kind} stage: it has units, not feature maps")
    return np.moveaxis(scale_to_unit(stage.values), -1, 0)  # (channels, height, width)


def find_stage(stages: list[FlowStage], name: str) -> FlowStage:
    """The stage called `name`; ValueError when the network has none."""
    for stage in stages:
        if stage.name == name:
            return stage
    raise ValueError(f"This network has no stage called {name!r}.")
