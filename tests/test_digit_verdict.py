"""The "not a digit" verdict: calibration, agreement between one and many inputs, and the bundled model on outliers."""

import keras
import numpy as np
import pytest

from mnist_cnn import config

from mnist_cnn.data import outliers
from mnist_cnn.data.pendigits import load_pendigits, split_by_writer
from mnist_cnn.inputs.preprocess import preprocess_drawing
from mnist_cnn.model.inference import (calibrate_digit_check, classify, compute_digit_scores, get_digit_check,
                                       judge_digits)
from mnist_cnn.store.model_store import ModelStore


def test_calibration_flags_the_requested_share_of_its_digits(tiny_trained_model, mnist):
    (x_train, _), _ = mnist
    digits = x_train[:1000].astype(np.float32) / 255.0
    check = calibrate_digit_check(tiny_trained_model, digits, flagged_share=0.05)
    _, scores = compute_digit_scores(tiny_trained_model, digits)
    assert check.score == "top score"
    assert (scores < check.threshold).mean() == pytest.approx(0.05, abs=0.002)


def test_one_input_and_a_batch_get_the_same_verdict(tiny_trained_model, mnist):
    _, (x_test, _) = mnist
    images = np.concatenate([x_test[:12] / 255.0, np.random.default_rng(0).random((8, 28, 28))]).astype("float32")
    probabilities, is_digit = judge_digits(tiny_trained_model, images)
    for image, row, verdict in zip(images, probabilities, is_digit):
        classification = classify(tiny_trained_model, image)
        np.testing.assert_allclose(classification.probabilities, row, atol=1e-5)
        assert classification.is_digit == verdict
        assert classification.digit_threshold == get_digit_check(tiny_trained_model).threshold


def test_a_model_without_readable_class_scores_is_judged_by_its_top_probability(mnist):
    model = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(), keras.layers.Dense(10),
                              keras.layers.Activation("softmax")])
    (x_train, _), _ = mnist
    check = calibrate_digit_check(model, x_train[:200] / 255.0)
    assert check.score == "top probability" and 0 < check.threshold <= 1


def test_calibration_needs_digits(tiny_trained_model):
    with pytest.raises(ValueError, match="at least one"):
        calibrate_digit_check(tiny_trained_model, np.zeros((0, 28, 28), np.float32))


@pytest.fixture(scope="module")
def bundled_model():
    """The bundled default model (trained with non-digit drawings), loaded from the project's models/."""
    return ModelStore(config.PROJECT_ROOT / "models").load(config.DEFAULT_MODEL_NAME)


def draw_inputs(kind: str, count: int, seed: int) -> np.ndarray:
    """`count` preprocessed drawings of one non-digit kind."""
    rng = np.random.default_rng(seed)
    _, held_out = split_by_writer(load_pendigits())
    inputs = [preprocess_drawing(outliers.draw_outlier_of_kind(kind, rng, held_out)).model_input
              for _ in range(count)]
    return np.stack([model_input for model_input in inputs if model_input is not None])


# Joined-up script letters of the two held-out script fonts (from stroke data: OpenCV 5 drew its "script" fonts as
# italic sans) and shapes (squares, triangles and rings close to 0, 4 and 7 drawn badly) are never trained on:
# the bundled model flags 93–95% of them (`make bench`); issue 28 asks for 90% of every real kind.
@pytest.mark.parametrize(("kind", "least_flagged"), [("script letters", 0.85), ("shapes", 0.85)])
def test_the_bundled_model_flags_non_digits_of_kinds_it_never_saw(bundled_model, kind, least_flagged):
    assert kind in outliers.UNSEEN_KINDS
    _, is_digit = judge_digits(bundled_model, draw_inputs(kind, 100, seed=99))
    assert (~is_digit).mean() >= least_flagged


def test_the_bundled_model_takes_real_digits_for_digits(bundled_model, mnist):
    _, (x_test, _) = mnist
    _, is_digit = judge_digits(bundled_model, x_test[:1000].astype(np.float32) / 255.0)
    assert is_digit.mean() >= 0.98
