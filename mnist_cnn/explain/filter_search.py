"""What a filter or a class looks for: the test digits that excite it most, and an input optimised to excite it."""

import weakref
from dataclasses import dataclass

import cv2
import keras
import numpy as np
import tensorflow as tf

from mnist_cnn.explain.feature_maps import get_activation_model, list_feature_layers
from mnist_cnn.inputs.images import to_model_batch
from mnist_cnn.model.forward import compute_logits, get_compiled
from mnist_cnn.model.layer_types import CONV_LAYERS, NORMALISATION_LAYERS

# Activation maximisation: gradient-ascent steps and their size (on a gradient scaled to unit largest value),
# the pull back towards grey each step (L2 decay), a blur every few steps and a random shift of up to a few
# pixels (jitter) so that the picture keeps to smooth, readable strokes instead of pixel noise.
ASCENT_STEPS = 120
ASCENT_STEP_SIZE = 0.05
L2_DECAY = 0.003
BLUR_EVERY, BLUR_SIGMA = 4, 0.6
JITTER_PIXELS = 1
START_GREY, START_NOISE = 0.2, 0.05
# How many test digits are scanned for the strongest responses, in batches of this size.
SCAN_BATCH = 500


@dataclass
class ChannelResponses:
    """Every scanned digit's strongest response in each channel of one layer, and where it was."""

    peaks: np.ndarray      # (digits, channels) the largest value of each channel's map
    positions: np.ndarray  # (digits, channels, 2) (row, column) of that value

    def top_digits(self, channel: int, count: int = 9) -> np.ndarray:
        """Indices of the `count` digits with the strongest response in `channel`, strongest first."""
        if not 0 <= channel < self.peaks.shape[1]:
            raise ValueError(f"channel must be 0–{self.peaks.shape[1] - 1}, got {channel}")
        return np.argsort(-self.peaks[:, channel], kind="stable")[:count]


def scan_channel_responses(model: keras.Model, layer_name: str, images: np.ndarray) -> ChannelResponses:
    """Run the images through the model up to layer_name and keep each channel's peak value and position."""
    activation_model = get_activation_model(model, (layer_name,))
    peaks, positions = [], []
    for start in range(0, len(images), SCAN_BATCH):
        batch = to_model_batch(images[start:start + SCAN_BATCH])  # (n, 28, 28, 1)
        maps = np.asarray(activation_model(batch, training=False))  # (n, h, w, channels)
        flat = maps.reshape(len(batch), -1, maps.shape[-1])  # (n, h·w, channels)
        best = flat.argmax(axis=1)  # (n, channels)
        peaks.append(np.take_along_axis(flat, best[:, np.newaxis, :], axis=1)[:, 0, :])
        positions.append(np.stack(np.unravel_index(best, maps.shape[1:3]), axis=-1))
    return ChannelResponses(np.concatenate(peaks), np.concatenate(positions))


def find_preactivation_layer(model: keras.Model, conv_name: str) -> str:
    """The last layer of conv_name's stage before its ReLU: the conv itself, or the batch norm after it."""
    for stage in list_feature_layers(model):
        if stage.name == conv_name:
            linear = [name for name in stage.steps
                      if isinstance(model.get_layer(name), CONV_LAYERS + NORMALISATION_LAYERS)]
            return linear[-1]
    raise ValueError(f"{conv_name!r} is not a convolution layer of this model")


def compute_preactivation(model: keras.Model, batch: tf.Tensor, layer_name: str) -> tf.Tensor:
    """The named layer's output before any built-in activation: a ReLU'd unit that is off still has a gradient."""
    if not isinstance(model, keras.Sequential):
        return get_activation_model(model, (layer_name,))(batch, training=False)
    outputs = batch
    for layer in model.layers:
        if layer.name == layer_name:
            if isinstance(layer, CONV_LAYERS):  # its linear part, before its own activation
                linear = layer.convolution_op(outputs, layer.kernel)
                return linear + layer.bias if layer.use_bias else linear
            return layer(outputs, training=False)
        outputs = layer(outputs, training=False)
    raise ValueError(f"The model has no layer named {layer_name!r}.")


def make_objective_function(model: keras.Model, layer_name: str | None):
    """A compiled (batch, channels) -> (objective per image, its input gradient) for a layer or the logits.

    For a layer: channel channels[i] of image i at the map's centre, before the ReLU. For None: logit channels[i].
    """
    model_reference = weakref.ref(model)

    @tf.function(reduce_retracing=True, autograph=False)
    def compute(batch, channels):
        with tf.GradientTape() as tape:
            tape.watch(batch)
            if layer_name is None:
                outputs = compute_logits(model_reference(), batch)  # (n, 10)
            else:
                maps = compute_preactivation(model_reference(), batch, layer_name)  # (n, h, w, channels)
                outputs = maps[:, maps.shape[1] // 2, maps.shape[2] // 2, :]  # (n, channels) at the centre
            objective = tf.gather(outputs, channels, axis=1, batch_dims=1)  # (n,)
            total = tf.reduce_sum(objective)  # images are independent: each gets its own objective's gradient
        return objective, tape.gradient(total, batch)

    return compute


def blur_batch(batch: np.ndarray) -> np.ndarray:
    """A light Gaussian blur of each (28, 28, 1) image in a batch."""
    return np.stack([cv2.GaussianBlur(image[:, :, 0], (0, 0), BLUR_SIGMA)[:, :, np.newaxis] for image in batch])


def maximise_activation(model: keras.Model, layer_name: str | None, channels, steps: int = ASCENT_STEPS,
                        seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradient ascent on the input: one image per channel of conv layer layer_name (or per class when None).

    Returns (images (n, 28, 28) in [0, 1], objective at the start (n,), objective at the end (n,)).
    """
    channels = np.asarray(channels, dtype="int32").reshape(-1)
    if steps < 1 or len(channels) == 0:
        raise ValueError("need at least one step and one channel")
    target = None if layer_name is None else find_preactivation_layer(model, layer_name)
    compute = get_compiled(model, f"maximise:{target}", lambda m: make_objective_function(m, target))
    rng = np.random.default_rng(seed)
    batch = (START_GREY + START_NOISE * rng.standard_normal((len(channels), 28, 28, 1))).astype("float32")
    batch = np.clip(batch, 0.0, 1.0)
    channel_tensor = tf.constant(channels)
    start, _ = compute(tf.constant(batch), channel_tensor)
    for step in range(steps):
        shift = rng.integers(-JITTER_PIXELS, JITTER_PIXELS + 1, size=2)
        jittered = np.roll(batch, tuple(shift), axis=(1, 2))
        _, gradient = compute(tf.constant(jittered), channel_tensor)
        gradient = np.roll(np.asarray(gradient), tuple(-shift), axis=(1, 2))
        scale = np.abs(gradient).max(axis=(1, 2, 3), keepdims=True) + 1e-8  # each image its own step
        batch = batch + ASCENT_STEP_SIZE * gradient / scale
        batch = batch - L2_DECAY * (batch - START_GREY)  # decay towards the grey start
        if (step + 1) % BLUR_EVERY == 0:
            batch = blur_batch(batch)
        batch = np.clip(batch, 0.0, 1.0).astype("float32")
    end, _ = compute(tf.constant(batch), channel_tensor)
    return batch[:, :, :, 0], np.asarray(start), np.asarray(end)
