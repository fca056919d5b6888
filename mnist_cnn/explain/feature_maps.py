"""Find a model's convolution and pooling stages by layer type and extract their feature maps for one image."""

from dataclasses import dataclass

import keras
import numpy as np

from mnist_cnn.inputs.images import to_image_batch
from mnist_cnn.model.forward import get_compiled
from mnist_cnn.model.layer_types import CONV_LAYERS, POOLING_LAYERS, STAGE_FOLLOWER_LAYERS



@dataclass(frozen=True)
class FeatureLayer:
    """A stage of the network whose output is a stack of feature maps."""

    name: str           # the name shown to users: the conv or pooling layer's own name
    kind: str           # "conv" or "pool"
    output_layer: str   # the layer whose output is shown (the conv's ReLU in a conv -> BN -> ReLU stage)
    output_shape: tuple  # (height, width, channels)
    steps: tuple        # the layer names the stage covers, e.g. ("conv1", "conv1_bn", "conv1_relu")

    @property
    def description(self) -> str:
        """A short label such as 'conv1 → conv1_bn → conv1_relu · 28×28×16'."""
        height, width, channels = self.output_shape
        return f"{' → '.join(self.steps)} · {height}×{width}×{channels}"


def layer_output_shape(layer) -> tuple:
    """A layer's output shape without the batch axis."""
    return tuple(int(size) for size in layer.output.shape[1:])


def list_feature_layers(model: keras.Model, include_pooling: bool = False) -> list[FeatureLayer]:
    """Every conv stage (and pooling layer, if asked) of a model, in order, found by layer type."""
    layers = list(model.layers)
    stages = []
    for index, layer in enumerate(layers):
        if isinstance(layer, CONV_LAYERS):
            steps = [layer]
            for follower in layers[index + 1:]:
                if not isinstance(follower, STAGE_FOLLOWER_LAYERS):
                    break
                steps.append(follower)
            last = steps[-1]
            stages.append(FeatureLayer(layer.name, "conv", last.name, layer_output_shape(last),
                                       tuple(step.name for step in steps)))
        elif include_pooling and isinstance(layer, POOLING_LAYERS):
            stages.append(FeatureLayer(layer.name, "pool", layer.name, layer_output_shape(layer),
                                       (layer.name,)))
    return stages


def build_activation_model(model: keras.Model, layer_names: tuple[str, ...]) -> keras.Model:
    """A keras.Model from the model's input to the outputs of the named layers."""
    missing = [name for name in layer_names if name not in {layer.name for layer in model.layers}]
    if missing:
        raise ValueError(f"The model has no layer named {', '.join(map(repr, missing))}.")
    try:
        inputs = model.inputs[0]
        outputs = [model.get_layer(name).output for name in layer_names]
        return keras.Model(inputs=inputs, outputs=outputs, name=f"{model.name}_activations")
    except (AttributeError, ValueError, IndexError):
        # A Sequential model without a recorded graph: call its layers in sequence on a fresh input.
        inputs = keras.Input(shape=model.input_shape[1:])
        tensor, outputs_by_name = inputs, {}
        for layer in model.layers:
            tensor = layer(tensor)
            outputs_by_name[layer.name] = tensor
        return keras.Model(inputs=inputs, outputs=[outputs_by_name[name] for name in layer_names])


def get_activation_model(model: keras.Model, layer_names) -> keras.Model:
    """The activation model for these layers, built once per loaded model and cached."""
    layer_names = tuple(layer_names)
    return get_compiled(model, ("activations", layer_names), lambda model: build_activation_model(model, layer_names))


def compute_feature_maps(model: keras.Model, image: np.ndarray, layer_names) -> dict[str, np.ndarray]:
    """The outputs of the named layers for one image: layer name -> (height, width, channels) array."""
    layer_names = tuple(layer_names)
    if not layer_names:
        return {}
    activation_model = get_activation_model(model, layer_names)
    outputs = activation_model(to_image_batch(image), training=False)
    if not isinstance(outputs, (list, tuple)):
        outputs = [outputs]
    return {name: np.asarray(output)[0] for name, output in zip(layer_names, outputs)}


def compute_colour_limits(maps: np.ndarray, per_channel: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """(vmin, vmax) per channel: shared over the layer (default) or each channel's own range."""
    maps = np.asarray(maps, dtype="float32")  # (height, width, channels)
    if per_channel:
        low, high = maps.min(axis=(0, 1)), maps.max(axis=(0, 1))
    else:
        low = np.full(maps.shape[-1], maps.min(), "float32")
        high = np.full(maps.shape[-1], maps.max(), "float32")
    high = np.where(high > low, high, low + 1e-6)  # a flat channel still gets a valid range
    return low, high
