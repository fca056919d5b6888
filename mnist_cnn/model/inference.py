"""Classify one preprocessed digit and show which pixels drove the decision (Grad-CAM, input gradients)."""

import weakref
from dataclasses import dataclass

import cv2
import keras
import numpy as np
import tensorflow as tf

from mnist_cnn.inputs.images import to_image_batch, to_model_batch, to_unit_floats
# Classification and the "unsure" rule live in a TensorFlow-free module; named here too, where callers look.
from mnist_cnn.model.classification import (UNSURE_MARGIN, UNSURE_TOP_PROBABILITY, Classification,  # noqa: F401
                                            build_classification, describe_uncertainty)
from mnist_cnn.model.forward import compute_hidden_and_scores, get_compiled
from mnist_cnn.model.layer_types import CONV_LAYERS, STAGE_FOLLOWER_LAYERS, is_softmax_dense

# "Not a digit": a drawing is judged a digit when its digit score (the top class score before the softmax, for
# networks that end in a softmax Dense layer; else the top probability) is at least the model's threshold.
# Training teaches even, weak class scores for non-digits (outlier exposure), so their top score stays low.
# The threshold is calibrated per model on real digits that no verdict is measured on: the score below which
# CALIBRATION_FLAGGED_SHARE of the first CALIBRATION_DIGITS MNIST training digits fall.
CALIBRATION_DIGITS = 5000
CALIBRATION_FLAGGED_SHARE = 0.003


@dataclass(frozen=True)
class DigitCheck:
    """How a model tells digits from other drawings: which score, and the threshold a digit reaches."""

    score: str        # "top score" (the largest class score before the softmax) or "top probability"
    threshold: float  # drawings scoring below this are "not a digit"


def ends_in_softmax_dense(model: keras.Model) -> bool:
    """True when the model's last layer is a Dense layer with a softmax: its class scores can be read."""
    return bool(getattr(model, "layers", None)) and is_softmax_dense(model.layers[-1])


def make_scores_function(model: keras.Model):
    """Compiled: batch -> (probabilities, digit scores), both from one pass of model(x, training=False)."""
    model_reference = weakref.ref(model)
    use_scores = ends_in_softmax_dense(model)

    @tf.function(reduce_retracing=True, autograph=False)
    def compute_scores(batch):
        if not use_scores:
            probabilities = model_reference()(batch, training=False)  # (batch, 10)
            return probabilities, tf.reduce_max(probabilities, axis=1)
        _, logits, _ = compute_hidden_and_scores(model_reference(), batch)  # (batch, 10)
        return tf.nn.softmax(logits), tf.reduce_max(logits, axis=1)

    return compute_scores


def compute_digit_scores(model: keras.Model, images: np.ndarray, batch_size: int = 500):
    """(probabilities (n, 10), digit scores (n,)) for (n, 28, 28[, 1]) images in [0, 1]."""
    compute = get_compiled(model, "scores", make_scores_function)
    images = to_model_batch(images)  # (n, 28, 28, 1)
    probabilities, scores = [], []
    for start in range(0, len(images), batch_size):
        batch_probabilities, batch_scores = compute(tf.constant(images[start:start + batch_size]))
        probabilities.append(np.asarray(batch_probabilities, dtype=np.float64))
        scores.append(np.asarray(batch_scores, dtype=np.float64))
    return np.concatenate(probabilities), np.concatenate(scores)


def calibrate_digit_check(model: keras.Model, digits: np.ndarray,
                          flagged_share: float = CALIBRATION_FLAGGED_SHARE) -> DigitCheck:
    """The DigitCheck that flags `flagged_share` of these real digits ((n, 28, 28) in [0, 1])."""
    if len(digits) == 0:
        raise ValueError("Calibrating the digit check needs at least one real digit.")
    _, scores = compute_digit_scores(model, digits)
    score = "top score" if ends_in_softmax_dense(model) else "top probability"
    return DigitCheck(score, float(np.quantile(scores, flagged_share)))


def load_calibration_digits() -> np.ndarray:
    """The first CALIBRATION_DIGITS MNIST training digits, (n, 28, 28) float32 in [0, 1]."""
    from mnist_cnn.data.mnist import load_mnist

    (x_train, _), _ = load_mnist()
    return to_unit_floats(x_train[:CALIBRATION_DIGITS])


def get_digit_check(model: keras.Model) -> DigitCheck:
    """The model's DigitCheck, calibrated once per model on MNIST training digits."""
    return get_compiled(model, "digit_check", lambda model: calibrate_digit_check(model, load_calibration_digits()))


def judge_digits(model: keras.Model, images: np.ndarray):
    """(probabilities (n, 10), is_digit (n,) bool) for many inputs, with the same verdict as classify()."""
    probabilities, scores = compute_digit_scores(model, images)
    return probabilities, scores >= get_digit_check(model).threshold


def classify(model: keras.Model, model_input: np.ndarray) -> Classification:
    """Run the model once on a (28, 28) input in [0, 1]: model(x, training=False), compiled, never predict().

    Besides the ten probabilities it says whether the drawing looks like a digit at all (`is_digit`).
    """
    compute = get_compiled(model, "scores", make_scores_function)
    probabilities, scores = compute(tf.constant(to_image_batch(model_input)))
    return build_classification(np.asarray(probabilities)[0], float(np.asarray(scores)[0]),  # (10,), a score
                                get_digit_check(model).threshold)


def find_last_conv_layer(model: keras.Model) -> keras.layers.Layer:
    """The last Conv2D layer of a model, found by type."""
    for layer in reversed(model.layers):
        if isinstance(layer, CONV_LAYERS):
            return layer
    raise ValueError(f"The model {model.name!r} has no Conv2D layer.")


def find_gradcam_layer(model: keras.Model) -> keras.layers.Layer:
    """The layer whose output Grad-CAM uses: the last Conv2D, or its batch-norm/ReLU right after it."""
    layers = list(model.layers)
    index = layers.index(find_last_conv_layer(model))
    while index + 1 < len(layers) and isinstance(layers[index + 1], STAGE_FOLLOWER_LAYERS):
        index += 1
    return layers[index]


def make_saliency_function(model: keras.Model):
    """A compiled function (batch, class index) -> (last conv maps, their gradients, input gradients)."""
    model_reference = weakref.ref(model)  # held weakly, so that the model can be freed

    @tf.function(reduce_retracing=True, autograph=False)
    def compute_saliency(batch, class_index):
        watched_layer = find_gradcam_layer(model_reference())
        with tf.GradientTape(persistent=True) as tape:
            tape.watch(batch)
            _, scores, watched = compute_hidden_and_scores(model_reference(), batch, watched_layer)
            feature_maps = batch if watched is None else watched  # (1, h, w, channels)
            score = tf.gather(scores, class_index, axis=1)
        return feature_maps, tape.gradient(score, feature_maps), tape.gradient(score, batch)

    return compute_saliency


def compute_saliency(model: keras.Model, model_input: np.ndarray, class_index: int | None):
    """(feature maps, their gradients, input gradients) for a class (the predicted one when None)."""
    if class_index is None:
        class_index = classify(model, model_input).digit
    compute = get_compiled(model, "saliency", make_saliency_function)
    return compute(tf.constant(to_image_batch(model_input)), tf.constant(int(class_index)))


def make_gradcam_heatmap(model: keras.Model, model_input: np.ndarray, class_index: int | None = None) -> np.ndarray:
    """Grad-CAM on the last conv layer: a (28, 28) float32 map in [0, 1] of where the evidence for the class lies.

    Gradients are multiplied with the feature maps element by element before summing over channels (the
    HiResCAM form). For networks that end in global average pooling, like the default, this is exactly
    Grad-CAM; for networks that flatten into dense layers it stays faithful where channel-averaged
    gradients can cancel out.
    """
    feature_maps, gradients, _ = compute_saliency(model, model_input, class_index)  # (1, h, w, channels)
    heatmap = tf.nn.relu(tf.reduce_sum(feature_maps[0] * gradients[0], axis=-1)).numpy()  # (h, w)
    heatmap = cv2.resize(heatmap.astype(np.float32), (28, 28), interpolation=cv2.INTER_CUBIC)
    return normalise_heatmap(heatmap)


def make_gradient_heatmap(model: keras.Model, model_input: np.ndarray, class_index: int | None = None) -> np.ndarray:
    """Input gradients: a (28, 28) float32 map in [0, 1] of how much each pixel sways the class score."""
    _, _, input_gradients = compute_saliency(model, model_input, class_index)  # (1, 28, 28, 1)
    gradients = np.abs(input_gradients.numpy()[0, :, :, 0])  # (28, 28)
    return normalise_heatmap(cv2.GaussianBlur(gradients, (3, 3), 0))


def normalise_heatmap(heatmap: np.ndarray) -> np.ndarray:
    """Clip at zero and scale so that the largest value is 1 (all zeros stay zeros)."""
    heatmap = np.maximum(np.nan_to_num(heatmap.astype(np.float32)), 0.0)
    peak = float(heatmap.max())
    return heatmap / peak if peak > 0 else heatmap
