"""Fine-tune a trained model on MNIST plus the user's own drawings, and report accuracy before and after."""

import threading
from dataclasses import dataclass, field

import keras
import numpy as np

from mnist_cnn.evaluation.metrics import evaluate_model
from mnist_cnn.model.inference import find_last_conv_layer
from mnist_cnn.model.layer_types import NORMALISATION_LAYERS
from mnist_cnn.training.fit import TrainingProgress, TrainingResult, train_model
from mnist_cnn.training.settings import FineTuneSettings

# Fewer user drawings than this cannot be split into a training part and a held-out part.
MIN_USER_DIGITS = 4
# Shares of the fine-tuning's weight change that are tried, largest first, when MNIST accuracy must be kept
# (weight-space blending of the base and the fine-tuned model, as in WiSE-FT, Wortsman et al. 2022).
BLEND_SHARES = (1.0, 0.7, 0.4, 0.2)


@dataclass
class FineTuneResult:
    """The fine-tuned model, its training history, and accuracies before and after."""

    training: TrainingResult
    before: dict = field(default_factory=dict)   # {"mnist_test_accuracy": ..., "user_holdout_accuracy": ...}
    after: dict = field(default_factory=dict)
    holdout_count: int = 0
    blend: float = 1.0   # share of the fine-tuning's weight change that was kept (1.0: all of it)


def split_my_digits(labels: np.ndarray, holdout_fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices (train, holdout): a random share of each digit's drawings is held out (at least one if it has two)."""
    rng = np.random.default_rng(seed)
    train, holdout = [], []
    for digit in np.unique(labels):
        indices = rng.permutation(np.flatnonzero(labels == digit))
        count = int(round(len(indices) * holdout_fraction))
        if holdout_fraction > 0 and len(indices) >= 2:
            count = max(count, 1)
        holdout.extend(indices[:count])
        train.extend(indices[count:])
    return np.sort(np.array(train, dtype=int)), np.sort(np.array(holdout, dtype=int))


def make_mixed_set(mnist_x, mnist_y, user_x, user_y, settings: FineTuneSettings):
    """MNIST replay images plus the user's drawings repeated, as uint8 (n, 28, 28) and labels (n,)."""
    rng = np.random.default_rng(settings.seed)
    picked = rng.choice(len(mnist_x), size=min(settings.mnist_images, len(mnist_x)), replace=False)
    images = np.concatenate([mnist_x[picked], np.repeat(user_x, settings.user_repeats, axis=0)])
    labels = np.concatenate([mnist_y[picked], np.repeat(user_y, settings.user_repeats)]).astype(np.uint8)
    return images, labels


def measure(model: keras.Model, x_test, y_test, holdout_x, holdout_y) -> dict:
    """MNIST test accuracy and accuracy on the held-out user drawings (None if there are none)."""
    mnist = evaluate_model(model, x_test, y_test)
    return {
        "mnist_test_accuracy": mnist.accuracy,
        "mnist_test_loss": mnist.mean_loss,
        "user_holdout_accuracy": (evaluate_model(model, holdout_x, holdout_y).accuracy
                                  if len(holdout_y) else None),
    }


def copy_model_for_finetuning(model: keras.Model, last_block_only: bool = False) -> keras.Model:
    """An independent copy with batch norm frozen, and every layer before the last conv one if last_block_only."""
    copy = keras.models.clone_model(model)
    copy.set_weights(model.get_weights())
    last_conv = find_last_conv_layer(copy) if last_block_only else None
    frozen = last_block_only
    for layer in copy.layers:
        frozen = frozen and layer is not last_conv
        if frozen or isinstance(layer, NORMALISATION_LAYERS):
            layer.trainable = False  # batch norm keeps MNIST's statistics: inference mode while training
    return copy


def blend_weights(base_weights: list, tuned_weights: list, share: float) -> list:
    """Weights `share` of the way from the base model's to the fine-tuned model's, array by array."""
    return [(1.0 - share) * base + share * tuned for base, tuned in zip(base_weights, tuned_weights)]


def blend_to_keep_mnist(base_model: keras.Model, tuned_model: keras.Model, measure_model, before: dict,
                        max_drop: float, shares=BLEND_SHARES) -> tuple[float, dict]:
    """Keep the largest share of the weight change whose MNIST test accuracy is within max_drop of before's.

    Sets tuned_model's weights to that blend and returns (share, its measurements). If even the smallest share
    drops too far, that blend is returned and the caller decides (the job then refuses to save it).
    """
    base_weights, tuned_weights = base_model.get_weights(), tuned_model.get_weights()
    for share in shares:
        tuned_model.set_weights(blend_weights(base_weights, tuned_weights, share))
        after = measure_model(tuned_model)
        if before["mnist_test_accuracy"] - after["mnist_test_accuracy"] <= max_drop:
            break
    return share, after


def blend_and_confirm(base_model: keras.Model, tuned_model: keras.Model, measure_quick, measure_full,
                      before_quick: dict, before: dict, max_drop: float) -> tuple[float, dict]:
    """Pick the blend on a few MNIST test images, then confirm it on all (stepping down while it fails)."""
    tuned_weights = tuned_model.get_weights()
    share, _ = blend_to_keep_mnist(base_model, tuned_model, measure_quick, before_quick, max_drop)
    remaining = [candidate for candidate in BLEND_SHARES if candidate <= share]
    tuned_model.set_weights(tuned_weights)
    return blend_to_keep_mnist(base_model, tuned_model, measure_full, before, max_drop, remaining)


def finetune_model(base_model: keras.Model, mnist_train, mnist_test, my_digits,
                   settings: FineTuneSettings | None = None, progress: TrainingProgress | None = None,
                   cancel_event: threading.Event | None = None, callbacks: list | None = None) -> FineTuneResult:
    """Fine-tune a copy of base_model (of settings.architecture) on MNIST + user digits.

    Raises TrainingCancelled or ValueError; callbacks (Keras) see the fine-tuning epochs. settings are not checked
    here: they were validated (validate_settings) where they entered.
    """
    settings = settings or FineTuneSettings()
    (mnist_x, mnist_y), (x_test, y_test), (user_x, user_y) = mnist_train, mnist_test, my_digits
    if len(user_y) < MIN_USER_DIGITS:
        raise ValueError(f"Save at least {MIN_USER_DIGITS} labelled drawings before fine-tuning "
                         f"(you have {len(user_y)}).")
    train_index, holdout_index = split_my_digits(user_y, settings.holdout_fraction, settings.seed)
    holdout_x, holdout_y = user_x[holdout_index], user_y[holdout_index]
    before = measure(base_model, x_test, y_test, holdout_x, holdout_y)
    images, labels = make_mixed_set(mnist_x, mnist_y, user_x[train_index], user_y[train_index], settings)
    result = train_model(images, labels, settings, progress, cancel_event,
                         initial_model=copy_model_for_finetuning(base_model, settings.last_block_only),
                         callbacks=callbacks)

    def measure_full(model):
        return measure(model, x_test, y_test, holdout_x, holdout_y)

    def measure_quick(model):
        return measure(model, x_test[:settings.blend_check_images], y_test[:settings.blend_check_images],
                       holdout_x, holdout_y)

    if settings.max_mnist_drop is None:
        share, after = 1.0, measure_full(result.model)
    else:
        share, after = blend_and_confirm(base_model, result.model, measure_quick, measure_full,
                                         measure_quick(base_model), before, settings.max_mnist_drop)
    return FineTuneResult(result, before, after, len(holdout_y), share)
