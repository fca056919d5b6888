"""Tests for fine-tuning on the user's drawings: it learns their style and keeps MNIST accuracy."""

import numpy as np
import pytest

from mnist_cnn.training.finetune import (BLEND_SHARES, blend_to_keep_mnist, blend_weights, finetune_model,
                                         split_my_digits)
from mnist_cnn.training.settings import FineTuneSettings
from tests.support.pictures import write_in_a_personal_style


def test_split_holds_out_a_share_of_every_digit():
    labels = np.repeat(np.arange(10), 4)
    train, holdout = split_my_digits(labels, 0.25, seed=0)
    assert len(holdout) == 10 and len(train) == 30
    assert sorted(labels[holdout].tolist()) == list(range(10))
    assert set(train).isdisjoint(holdout)


@pytest.mark.slow
def test_finetune_raises_accuracy_on_the_users_digits_and_keeps_mnist(mnist, tiny_trained_model):
    (x_train, y_train), (x_test, y_test) = mnist
    rng = np.random.default_rng(1)
    user_index = np.concatenate([rng.choice(np.flatnonzero(y_test[5000:] == d), 12, replace=False) + 5000
                                 for d in range(10)])
    user_x, user_y = write_in_a_personal_style(x_test[user_index]), y_test[user_index]
    settings = FineTuneSettings(epochs=3, mnist_images=3000, user_repeats=30, holdout_fraction=0.34,
                              learning_rate=1e-3, seed=0)
    result = finetune_model(tiny_trained_model, (x_train[:20000], y_train[:20000]),
                            (x_test[:2000], y_test[:2000]), (user_x, user_y), settings)
    assert result.holdout_count == 40
    assert result.after["user_holdout_accuracy"] > result.before["user_holdout_accuracy"] + 0.1
    assert result.after["mnist_test_accuracy"] >= result.before["mnist_test_accuracy"] - 0.002
    assert len(result.training.history["loss"]) == 3


def test_too_few_drawings_is_a_clear_error(mnist, tiny_trained_model):
    (x_train, y_train), (x_test, y_test) = mnist
    with pytest.raises(ValueError, match="at least 4 labelled drawings"):
        finetune_model(tiny_trained_model, (x_train, y_train), (x_test, y_test),
                       (x_test[:2], y_test[:2]))


def test_blend_weights_goes_from_base_to_tuned():
    base, tuned = [np.zeros((2, 3)), np.full(4, 2.0)], [np.ones((2, 3)), np.full(4, 4.0)]
    np.testing.assert_allclose(blend_weights(base, tuned, 0.0)[1], base[1])
    np.testing.assert_allclose(blend_weights(base, tuned, 1.0)[0], tuned[0])
    halfway = blend_weights(base, tuned, 0.25)
    np.testing.assert_allclose(halfway[0], np.full((2, 3), 0.25))
    np.testing.assert_allclose(halfway[1], np.full(4, 2.5))


class WeightHolder:
    """A stand-in for a model: only get_weights and set_weights."""

    def __init__(self, value: float):
        self.weights = [np.array([value])]

    def get_weights(self):
        return [w.copy() for w in self.weights]

    def set_weights(self, weights):
        self.weights = [np.asarray(w) for w in weights]


def test_blending_keeps_the_largest_share_within_the_mnist_limit():
    base, tuned = WeightHolder(0.0), WeightHolder(1.0)

    def measure(model):  # MNIST accuracy falls by 0.4 points per unit of weight change
        return {"mnist_test_accuracy": 0.996 - 0.004 * float(model.weights[0][0])}

    share, after = blend_to_keep_mnist(base, tuned, measure, {"mnist_test_accuracy": 0.996}, max_drop=0.002)
    assert share == max(s for s in BLEND_SHARES if 0.004 * s <= 0.002 + 1e-12)
    assert tuned.weights[0][0] == pytest.approx(share)
    assert 0.996 - after["mnist_test_accuracy"] <= 0.002 + 1e-12


def test_blending_keeps_everything_when_mnist_holds_and_reports_failure_otherwise():
    base, tuned = WeightHolder(0.0), WeightHolder(1.0)
    share, _ = blend_to_keep_mnist(base, tuned, lambda model: {"mnist_test_accuracy": 0.996},
                                   {"mnist_test_accuracy": 0.996}, max_drop=0.002)
    assert share == 1.0 and tuned.weights[0][0] == 1.0
    share, after = blend_to_keep_mnist(base, tuned, lambda model: {"mnist_test_accuracy": 0.9},
                                       {"mnist_test_accuracy": 0.996}, max_drop=0.002)
    assert share == BLEND_SHARES[-1] and after["mnist_test_accuracy"] == 0.9
