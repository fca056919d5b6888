"""The weight-randomisation sanity check (Adebayo et al., 2018): which attribution maps depend on what it learned."""

from dataclasses import dataclass

import cv2
import keras
import numpy as np

from mnist_cnn.explain.attribution import METHODS, Attribution, AttributionMethod, compute_attributions
from mnist_cnn.model.forward import get_compiled

# A method's map "changed" when its rank correlation with the trained network's map (absolute values, all 784
# pixels) falls below this: the map then depends on the learned weights, as an explanation of them should.
RANK_CORRELATION_THRESHOLD = 0.5
# The seed of the random weights: the same random network every time, for every model.
RANDOM_SEED = 0
# SSIM (Wang et al., 2004) on maps scaled to [0, 1]: a Gaussian window of this size and width, and its constants.
SSIM_WINDOW, SSIM_SIGMA, SSIM_C1, SSIM_C2 = 7, 1.5, 0.01 ** 2, 0.03 ** 2


@dataclass(frozen=True)
class SanityResult:
    """How much one method's map moved when the weights were randomised."""

    method: str
    rank_correlation: float  # Spearman, of the absolute maps: 1 = same order of pixels, 0 = unrelated
    ssim: float              # structural similarity of the absolute maps scaled to [0, 1]: 1 = identical
    changed: bool            # rank_correlation < the threshold


def randomise_weights(model: keras.Model, seed: int = RANDOM_SEED) -> keras.Model:
    """A copy of the model's architecture, every weight drawn afresh from its layer's own initialiser (seeded).

    The model itself is never touched. Batch-norm statistics start as a fresh layer's do (mean 0, variance 1)."""
    copy = keras.models.clone_model(model)
    for layer_number, layer in enumerate(copy.layers):
        for variable_number, variable in enumerate(layer.weights):
            initialiser = getattr(layer, f"{variable.name}_initializer", None)
            if initialiser is None:
                continue  # a weight without a named initialiser keeps the clone's fresh random value
            config = initialiser.get_config()
            if "seed" in config:
                config["seed"] = seed * 10_000 + layer_number * 100 + variable_number
            variable.assign(type(initialiser).from_config(config)(variable.shape, variable.dtype))
    return copy


def get_randomised_model(model: keras.Model, seed: int = RANDOM_SEED) -> keras.Model:
    """The model's randomised copy, made once per model and seed (dropped with the model)."""
    return get_compiled(model, ("randomised", seed), lambda model: randomise_weights(model, seed))


def rank_values(values: np.ndarray) -> np.ndarray:
    """Ranks 1..n of a flat array, ties sharing their average rank."""
    values = np.asarray(values, dtype=np.float64).ravel()
    order = np.argsort(values, kind="stable")
    ranks = np.empty(len(values))
    ranks[order] = np.arange(1, len(values) + 1)
    _, groups, counts = np.unique(values, return_inverse=True, return_counts=True)
    sums = np.bincount(groups, weights=ranks)
    return (sums / counts)[groups]


def compute_rank_correlation(first: np.ndarray, second: np.ndarray) -> float:
    """Spearman's rank correlation of two maps of the same shape; 0 when either is flat (no order to share)."""
    first, second = np.asarray(first).ravel(), np.asarray(second).ravel()
    if first.shape != second.shape:
        raise ValueError(f"Maps to compare must have the same shape, got {first.shape} and {second.shape}.")
    first_ranks, second_ranks = rank_values(first), rank_values(second)
    first_ranks, second_ranks = first_ranks - first_ranks.mean(), second_ranks - second_ranks.mean()
    scale = float(np.sqrt((first_ranks ** 2).sum() * (second_ranks ** 2).sum()))
    return float((first_ranks * second_ranks).sum() / scale) if scale > 0 else 0.0


def compute_ssim(first: np.ndarray, second: np.ndarray) -> float:
    """Mean structural similarity of two 2-D maps with values in [0, 1] (Gaussian window, as Wang et al. 2004)."""
    first, second = np.asarray(first, np.float64), np.asarray(second, np.float64)
    if first.shape != second.shape or first.ndim != 2:
        raise ValueError(f"SSIM compares two 2-D maps of one shape, got {first.shape} and {second.shape}.")

    def blur(values):
        return cv2.GaussianBlur(values, (SSIM_WINDOW, SSIM_WINDOW), SSIM_SIGMA)

    mean_first, mean_second = blur(first), blur(second)
    variance_first = blur(first * first) - mean_first ** 2
    variance_second = blur(second * second) - mean_second ** 2
    covariance = blur(first * second) - mean_first * mean_second
    numerator = (2 * mean_first * mean_second + SSIM_C1) * (2 * covariance + SSIM_C2)
    denominator = (mean_first ** 2 + mean_second ** 2 + SSIM_C1) * (variance_first + variance_second + SSIM_C2)
    return float((numerator / denominator).mean())


def scale_magnitude(values: np.ndarray) -> np.ndarray:
    """|map| divided by its largest value, into [0, 1] (a flat map stays zeros)."""
    magnitude = np.abs(np.nan_to_num(np.asarray(values, np.float64)))
    peak = magnitude.max()
    return magnitude / peak if peak > 0 else magnitude


def compare_attributions(trained: list[Attribution], randomised: list[Attribution],
                         threshold: float = RANK_CORRELATION_THRESHOLD) -> list[SanityResult]:
    """For each method with a map in both lists: its rank correlation and SSIM, and whether it changed."""
    results = []
    for before, after in zip(trained, randomised):
        if before.method != after.method:
            raise ValueError(f"Compare the same methods in the same order ({before.method} vs {after.method}).")
        if before.values is None or after.values is None:
            continue
        first, second = scale_magnitude(before.values), scale_magnitude(after.values)
        correlation = compute_rank_correlation(first, second)
        results.append(SanityResult(before.method, correlation, compute_ssim(first, second),
                                    correlation < threshold))
    return results


def run_sanity_check(model: keras.Model, image: np.ndarray, class_index: int,
                     methods: list[AttributionMethod] = METHODS, seed: int = RANDOM_SEED):
    """(trained maps, randomised maps, results): every method on the model and on its randomised copy."""
    trained = compute_attributions(model, image, class_index, methods)
    randomised = compute_attributions(get_randomised_model(model, seed), image, class_index, methods)
    return trained, randomised, compare_attributions(trained, randomised)
