"""Gradient attacks: they flip a trained model's prediction while every pixel moves by at most epsilon."""

import numpy as np
import pytest

from mnist_cnn.explain.attacks import attack
from mnist_cnn.model.inference import classify


@pytest.fixture(scope="module")
def correctly_classified_digits(mnist, tiny_trained_model):
    """Five test digits (float images in [0, 1]) the tiny model classifies right, with their labels."""
    _, (x_test, y_test) = mnist
    found = []
    for image, label in zip(x_test[:200], y_test[:200]):
        image = image.astype("float32") / 255.0
        if classify(tiny_trained_model, image).digit == int(label):
            found.append((image, int(label)))
        if len(found) == 5:
            return found
    pytest.fail("the tiny model gets fewer than 5 of the first 200 test digits right")


def assert_bounded(result, epsilon):
    assert np.abs(result.perturbation).max() <= epsilon + 1e-6
    assert result.adversarial.min() >= 0.0 and result.adversarial.max() <= 1.0


def test_iterative_untargeted_attack_flips_the_prediction(tiny_trained_model, correctly_classified_digits):
    for image, label in correctly_classified_digits:
        result = attack(tiny_trained_model, image, epsilon=0.25, steps=20)
        assert result.original_digit == label
        assert result.succeeded and result.adversarial_digit != label
        assert_bounded(result, 0.25)


def test_targeted_attack_reaches_the_target(tiny_trained_model, correctly_classified_digits):
    image, label = correctly_classified_digits[0]
    target = (label + 3) % 10
    result = attack(tiny_trained_model, image, epsilon=0.3, target=target, steps=30)
    assert result.adversarial_digit == target and result.succeeded
    assert result.adversarial_probabilities[target] > result.original_probabilities[target]
    assert_bounded(result, 0.3)


def test_one_fgsm_step_lowers_the_true_class_probability(tiny_trained_model, correctly_classified_digits):
    image, label = correctly_classified_digits[1]
    result = attack(tiny_trained_model, image, epsilon=0.1, steps=1)
    assert result.steps_taken == 1
    assert result.adversarial_probabilities[label] < result.original_probabilities[label]
    assert_bounded(result, 0.1)


def test_zero_strength_changes_nothing(tiny_trained_model, correctly_classified_digits):
    image, _ = correctly_classified_digits[2]
    result = attack(tiny_trained_model, image, epsilon=0.0, steps=5)
    assert np.array_equal(result.adversarial, image) and not result.succeeded


@pytest.mark.parametrize("settings", [{"epsilon": -0.1}, {"epsilon": 2.0}, {"epsilon": 0.1, "steps": 0},
                                      {"epsilon": 0.1, "target": 10}])
def test_bad_settings_raise_value_error(tiny_trained_model, settings):
    with pytest.raises(ValueError):
        attack(tiny_trained_model, np.zeros((28, 28), "float32"), **settings)
