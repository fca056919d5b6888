"""How a network decided: occlusion, Integrated Gradients, SmoothGrad, Grad-CAM and plain gradients side by side."""

import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass

import keras
import numpy as np
import tensorflow as tf

from mnist_cnn.config import NUM_CLASSES
from mnist_cnn.inputs.images import to_image_batch, to_model_batch
from mnist_cnn.model.forward import compute_logits, get_compiled, get_logits_function
from mnist_cnn.model.inference import compute_saliency, make_gradcam_heatmap

# Occlusion: a PATCH×PATCH square of OCCLUSION_FILL (black, MNIST's background) slid in steps of STRIDE pixels.
OCCLUSION_PATCH, OCCLUSION_STRIDE, OCCLUSION_FILL = 4, 2, 0.0
# Integrated Gradients: the straight path from a black image to the digit, in this many steps (trapezoid rule).
INTEGRATED_GRADIENT_STEPS = 32
# SmoothGrad: gradients averaged over this many copies with Gaussian noise of this standard deviation (pixels 0-1).
SMOOTHGRAD_SAMPLES, SMOOTHGRAD_NOISE, SMOOTHGRAD_SEED = 25, 0.15, 0

# A method's function: (model, image (28, 28), class index) -> (map (28, 28), forward passes, backward passes).
MethodFunction = Callable[[keras.Model, np.ndarray, int], tuple[np.ndarray, int, int]]


@dataclass(frozen=True)
class Attribution:
    """One method's map for one image and class, with what it cost."""

    method: str
    values: np.ndarray | None  # (28, 28) float32, signed (positive: evidence for the class); None if not applicable
    forward_passes: int        # images sent forward through the network
    backward_passes: int       # gradients taken back through it
    milliseconds: float        # wall-clock time of the computation
    note: str = ""             # why the method does not apply to this model ("" when it does)


@dataclass(frozen=True)
class AttributionMethod:
    """A method, what its map measures (one line) and the function that computes it."""

    name: str
    measures: str
    compute: MethodFunction


def make_class_gradient_function(model: keras.Model):
    """Compiled: (batch, class index) -> (the class's scores (batch,), their input gradients (batch, 28, 28, 1))."""
    signature = [tf.TensorSpec((None, *model.input_shape[1:]), tf.float32), tf.TensorSpec((), tf.int32)]
    model_reference = weakref.ref(model)  # held weakly, so that the model can be freed

    @tf.function(input_signature=signature, autograph=False)
    def compute(batch, class_index):
        with tf.GradientTape() as tape:
            tape.watch(batch)
            scores = tf.gather(compute_logits(model_reference(), batch), class_index, axis=1)  # (batch,)
        return scores, tape.gradient(scores, batch)

    return compute


def compute_class_gradients(model: keras.Model, images: np.ndarray, class_index: int):
    """(scores (n,), gradients (n, 28, 28)) of one class's score (its logit) for n images."""
    compute = get_compiled(model, "class_gradients", make_class_gradient_function)
    scores, gradients = compute(tf.constant(to_model_batch(images)), tf.constant(int(class_index), tf.int32))
    return np.asarray(scores, dtype=np.float64), np.asarray(gradients, dtype=np.float64)[..., 0]


def compute_plain_gradient(model: keras.Model, image: np.ndarray, class_index: int):
    """The class score's gradient with respect to each pixel: one forward and one backward pass."""
    _, gradients = compute_class_gradients(model, image[None], class_index)
    return gradients[0], 1, 1


def compute_integrated_gradients(model: keras.Model, image: np.ndarray, class_index: int,
                                 steps: int = INTEGRATED_GRADIENT_STEPS, baseline: np.ndarray | None = None):
    """(image − baseline) × the gradient averaged along the straight path from the baseline (trapezoid rule).

    The attributions add up to score(image) − score(baseline), the closer the more steps (completeness)."""
    if int(steps) < 1:
        raise ValueError(f"Integrated Gradients needs at least one step, got {steps}.")
    baseline = np.zeros_like(image) if baseline is None else np.asarray(baseline, dtype=np.float32)
    alphas = np.linspace(0.0, 1.0, int(steps) + 1, dtype=np.float32)[:, None, None]  # (steps + 1, 1, 1)
    path = baseline[None] + alphas * (image - baseline)[None]  # (steps + 1, 28, 28)
    _, gradients = compute_class_gradients(model, path, class_index)
    average = ((gradients[:-1] + gradients[1:]) / 2).mean(axis=0)  # (28, 28)
    return (image - baseline) * average, len(path), len(path)


def compute_smoothgrad(model: keras.Model, image: np.ndarray, class_index: int,
                       samples: int = SMOOTHGRAD_SAMPLES, noise: float = SMOOTHGRAD_NOISE):
    """Plain gradients averaged over noisy copies of the image (the same seed every time)."""
    rng = np.random.default_rng(SMOOTHGRAD_SEED)
    noisy = image[None] + rng.normal(0.0, noise, (int(samples), *image.shape)).astype(np.float32)
    _, gradients = compute_class_gradients(model, noisy, class_index)
    return gradients.mean(axis=0), int(samples), int(samples)


def list_patch_starts(size: int, patch: int, stride: int) -> list[int]:
    """Where the patches start along one side, the last one flush with the edge so that every pixel is covered."""
    starts = list(range(0, size - patch + 1, stride))
    return starts if starts[-1] == size - patch else [*starts, size - patch]


def compute_occlusion(model: keras.Model, image: np.ndarray, class_index: int, patch: int = OCCLUSION_PATCH,
                      stride: int = OCCLUSION_STRIDE, fill: float = OCCLUSION_FILL):
    """Each pixel: the class score's drop when a patch covering it is filled, averaged over those patches."""
    height, width = image.shape
    corners = [(top, left) for top in list_patch_starts(height, patch, stride)
               for left in list_patch_starts(width, patch, stride)]
    batch = np.repeat(image[None], len(corners) + 1, axis=0)  # (1 + patches, 28, 28): the original first
    for number, (top, left) in enumerate(corners, start=1):
        batch[number, top:top + patch, left:left + patch] = fill
    scores = np.asarray(get_logits_function(model)(tf.constant(to_model_batch(batch))))[:, class_index]
    totals, counts = np.zeros(image.shape), np.zeros(image.shape)
    for (top, left), score in zip(corners, scores[1:]):
        totals[top:top + patch, left:left + patch] += scores[0] - score
        counts[top:top + patch, left:left + patch] += 1
    return totals / np.maximum(counts, 1), len(batch), 0


def compute_gradcam(model: keras.Model, image: np.ndarray, class_index: int):
    """Grad-CAM on the last conv stage (the Draw page's map, mnist_cnn.model.inference): one pass each way."""
    return make_gradcam_heatmap(model, image, class_index), 1, 1


# The methods, in the order the page shows them.
METHODS = [
    AttributionMethod("Occlusion", f"How much the score drops when a {OCCLUSION_PATCH}×{OCCLUSION_PATCH} black patch "
                      "covers the pixel: asks the network directly, one picture per patch.", compute_occlusion),
    AttributionMethod("Integrated Gradients", "Gradients averaged along the way from a black image to the digit, "
                      "times the ink: the pixels' shares add up to the score's rise from black.",
                      compute_integrated_gradients),
    AttributionMethod("SmoothGrad", f"Plain gradients averaged over {SMOOTHGRAD_SAMPLES} noisy copies of the "
                      "digit: the same question as gradients, with less speckle.", compute_smoothgrad),
    AttributionMethod("Grad-CAM", "Where the last convolution layer's features raised the score (each feature's "
                      "gradient times its value), scaled up to 28×28; coarse, never negative.", compute_gradcam),
    AttributionMethod("Gradients", "How fast the score changes when one pixel gets a little brighter: one "
                      "backward pass.", compute_plain_gradient),
]


def check_attribution_input(image: np.ndarray, class_index: int) -> np.ndarray:
    """The image as (28, 28) float32; ValueError for another shape, values outside [0, 1] or a class not 0-9."""
    image = np.asarray(image, dtype=np.float32)
    if image.shape != (28, 28):
        raise ValueError(f"An attribution map needs a 28×28 image, got shape {image.shape}.")
    if not np.isfinite(image).all() or image.min() < 0.0 or image.max() > 1.0:
        raise ValueError("The image must have finite values in [0, 1].")
    if not 0 <= int(class_index) < NUM_CLASSES:
        raise ValueError(f"The class must be a digit 0–{NUM_CLASSES - 1}, got {class_index}.")
    return image


def warm_up(model: keras.Model) -> bool:
    """Build and trace the model's compiled functions once, so that the timings measure the methods alone."""
    image = np.zeros((28, 28), np.float32)
    compute_class_gradients(model, image[None], 0)
    get_logits_function(model)(tf.constant(to_image_batch(image)))
    try:
        compute_saliency(model, image, 0)
    except ValueError:  # no conv layer: Grad-CAM says so when it runs
        pass
    return True


def run_method(method: AttributionMethod, model: keras.Model, image: np.ndarray, class_index: int) -> Attribution:
    """One method's Attribution, timed; a method that does not apply to this model gets a note instead of a map."""
    start = time.perf_counter()
    try:
        values, forward, backward = method.compute(model, image, class_index)
    except ValueError as error:
        return Attribution(method.name, None, 0, 0, 0.0, note=str(error))
    milliseconds = (time.perf_counter() - start) * 1000
    return Attribution(method.name, np.asarray(values, np.float32), forward, backward, milliseconds)


def compute_attributions(model: keras.Model, image: np.ndarray, class_index: int,
                         methods: list[AttributionMethod] = METHODS) -> list[Attribution]:
    """Every method's map of why `model` gives `class_index` its score for a (28, 28) image in [0, 1]."""
    image = check_attribution_input(image, class_index)
    get_compiled(model, "attribution_warm_up", warm_up)  # once per model
    return [run_method(method, model, image, int(class_index)) for method in methods]


def scale_to_unit(values: np.ndarray) -> np.ndarray:
    """A map divided by its largest magnitude, into [-1, 1] (a map of zeros stays zeros): the shared colour scale."""
    values = np.nan_to_num(np.asarray(values, dtype=np.float32))
    peak = float(np.abs(values).max())
    return values / peak if peak > 0 else values
