"""Switch conv filters off in a copy of a network, and rank the filters one digit needs most (by ablation)."""

from dataclasses import dataclass

import keras
import numpy as np
import tensorflow as tf

from mnist_cnn.explain.feature_maps import FeatureLayer, list_feature_layers
from mnist_cnn.inputs.images import to_image_batch, to_model_batch

# The fixed test sample the accuracy with filters off is measured on: the first SAMPLE_SIZE test digits.
SAMPLE_SIZE = 500
# The weights of a conv stage that carry one output channel (the last axis): zeroed, the channel's filter is off
# (kernel and bias of the conv; scale, shift and running mean of a batch norm after it, so that it outputs 0).
CHANNEL_WEIGHTS = ("kernel", "bias", "gamma", "beta", "moving_mean")
# Images sent through the rest of the network at once when every filter of a layer is tried alone.
RANKING_BATCH = 64


@dataclass(frozen=True)
class FilterEffect:
    """What switching one filter off alone does to the probability of a class."""

    channel: int
    probability: float  # the class's probability with this filter off
    drop: float         # the class's probability with every filter on, minus that


def find_conv_stage(model: keras.Model, layer_name: str) -> FeatureLayer:
    """The conv stage (conv, then its batch norm and activation) named after its conv layer; ValueError if none."""
    stages = {stage.name: stage for stage in list_feature_layers(model)}
    if layer_name not in stages:
        raise ValueError(f"{layer_name!r} is not a convolution layer of this model; choose one of "
                         f"{', '.join(stages) or 'none (it has no convolution layers)'}.")
    return stages[layer_name]


def check_channels(stage: FeatureLayer, channels) -> tuple[int, ...]:
    """The channels sorted, without repeats; ValueError for one the stage does not have."""
    count = stage.output_shape[-1]
    checked = tuple(sorted({int(channel) for channel in channels}))
    wrong = [channel for channel in checked if not 0 <= channel < count]
    if wrong:
        raise ValueError(f"{stage.name} has filters 0–{count - 1}; there is no filter {wrong[0]}.")
    return checked


def zero_channel_weights(layer: keras.layers.Layer, channels: tuple[int, ...]) -> list[np.ndarray]:
    """The layer's weights with the channels' kernel, bias, scale, shift and running mean set to zero."""
    weights = []
    for variable in layer.weights:
        values = np.array(variable.numpy())
        if variable.name in CHANNEL_WEIGHTS and channels:
            values[..., list(channels)] = 0.0
        weights.append(values)
    return weights


def switch_filters_off(model: keras.Model, layer_name: str, channels) -> keras.Model:
    """A copy of the model (clone + set_weights) with these filters of one conv layer switched off.

    The model itself is never changed. A switched-off filter's output channel is 0 before its activation: 0 after a
    ReLU (every preset's), activation(0) after another (0.5 after a sigmoid, for a built network)."""
    stage = find_conv_stage(model, layer_name)
    channels = check_channels(stage, channels)
    copy = keras.models.clone_model(model)
    copy.set_weights(model.get_weights())
    for name in stage.steps:
        copy.get_layer(name).set_weights(zero_channel_weights(model.get_layer(name), channels))
    return copy


def predict_probabilities(model: keras.Model, image: np.ndarray) -> np.ndarray:
    """The (10,) probabilities for one (28, 28) image: model(x, training=False)."""
    return np.asarray(model(to_image_batch(image), training=False), dtype=np.float64)[0]


def measure_accuracy(model: keras.Model, images: np.ndarray, labels: np.ndarray) -> float:
    """The share of images (n, 28, 28) the model classifies as their labels."""
    if len(images) == 0 or len(images) != len(labels):
        raise ValueError(f"Need as many labels as images (and at least one), got {len(images)} and {len(labels)}.")
    probabilities = np.asarray(model(to_model_batch(images), training=False))  # (n, 10)
    return float((probabilities.argmax(axis=1) == np.asarray(labels)).mean())


def run_stage(model: keras.Model, stage: FeatureLayer, inputs, weights: list | None = None):
    """The stage's output for its input; with `weights` (one list per step), on fresh copies of its layers."""
    outputs = inputs
    for step, name in enumerate(stage.steps):
        layer = model.get_layer(name)
        if weights is not None:
            layer = type(layer).from_config(layer.get_config())
            layer.build(outputs.shape)
            layer.set_weights(weights[step])
        outputs = layer(outputs, training=False)
    return outputs


def rank_filters(model: keras.Model, image: np.ndarray, layer_name: str, class_index: int | None = None
                 ) -> list[FilterEffect]:
    """Every filter of a conv layer switched off alone: the class's probability drop, largest first.

    One pass up to the layer; then the rest of the network runs once per filter, with that channel replaced by
    what it is when its filter is off (the same numbers switch_filters_off gives, without a copy per filter)."""
    stage = find_conv_stage(model, layer_name)
    layers = list(model.layers)
    first = layers.index(model.get_layer(stage.steps[0]))
    last = layers.index(model.get_layer(stage.steps[-1]))
    inputs = tf.constant(to_image_batch(image))  # (1, 28, 28, 1)
    for layer in layers[:first]:
        inputs = layer(inputs, training=False)
    outputs = np.asarray(run_stage(model, stage, inputs))  # (1, h, w, channels)
    all_off = tuple(range(stage.output_shape[-1]))
    off = np.asarray(run_stage(model, stage, inputs,
                               [zero_channel_weights(model.get_layer(name), all_off) for name in stage.steps]))
    probabilities = []
    for start in range(0, len(all_off), RANKING_BATCH):
        channels = all_off[start:start + RANKING_BATCH]
        batch = np.repeat(outputs, len(channels), axis=0)  # (n, h, w, channels)
        for row, channel in enumerate(channels):
            batch[row, :, :, channel] = off[0, :, :, channel]
        batch = tf.constant(batch)
        for layer in layers[last + 1:]:
            batch = layer(batch, training=False)
        probabilities.append(np.asarray(batch, dtype=np.float64))
    probabilities = np.concatenate(probabilities)  # (channels, 10)
    baseline = predict_probabilities(model, image)
    class_index = int(baseline.argmax()) if class_index is None else int(class_index)
    effects = [FilterEffect(channel, float(row[class_index]), float(baseline[class_index] - row[class_index]))
               for channel, row in enumerate(probabilities)]
    return sorted(effects, key=lambda effect: -effect.drop)


def count_changed_channels(before: np.ndarray, after: np.ndarray, tolerance: float = 1e-6) -> int:
    """How many channels of a (height, width, channels) map differ anywhere by more than the tolerance."""
    return int((np.abs(np.asarray(after) - np.asarray(before)) > tolerance).any(axis=(0, 1)).sum())
