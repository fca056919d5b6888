"""Tests for instant adaptation: a few labelled drawings in an unusual style are read right, MNIST is not worse."""

import numpy as np
import pytest

from mnist_cnn.evaluation.metrics import compute_probabilities
from mnist_cnn.my_digits.personalise import (build_adapter, classify_personal, compute_features, compute_reference,
                                             predict_personal)
from tests.support.pictures import write_sideways

# How many labelled examples of each digit the "person" gives, and how many of their other digits are read.
EXAMPLES_PER_DIGIT = 5
OTHER_DIGITS_PER_CLASS = 20
# MNIST training images of the small model (the session's 2,000-image model is too weak to keep MNIST apart).
TRAINING_IMAGES = 6000


@pytest.fixture(scope="module")
def sideways_writer(mnist):
    """(examples x, y) and (other digits x, y) of one 'person' who writes every digit sideways."""
    _, (x_test, y_test) = mnist
    rng = np.random.default_rng(3)
    picked = [rng.choice(np.flatnonzero(y_test[5000:] == digit), EXAMPLES_PER_DIGIT + OTHER_DIGITS_PER_CLASS,
                         replace=False) + 5000 for digit in range(10)]
    examples = np.concatenate([index[:EXAMPLES_PER_DIGIT] for index in picked])
    others = np.concatenate([index[EXAMPLES_PER_DIGIT:] for index in picked])
    return ((write_sideways(x_test[examples]), y_test[examples]),
            (write_sideways(x_test[others]), y_test[others]))


@pytest.fixture(scope="module")
def small_model(mnist):
    """The keras example trained for one epoch on 6,000 images (~80% on MNIST: its features mean something)."""
    from mnist_cnn.training.fit import train_model
    from mnist_cnn.training.settings import TrainingSettings

    (x_train, y_train), _ = mnist
    settings = TrainingSettings(architecture="keras_example", epochs=1, validation_split=0.0)
    return train_model(x_train[:TRAINING_IMAGES], y_train[:TRAINING_IMAGES], settings).model


@pytest.fixture(scope="module")
def reference(mnist, small_model):
    """The small model's features of the MNIST reference sample."""
    (x_train, y_train), _ = mnist
    return compute_reference(small_model, x_train, y_train)


def accuracy(probabilities: np.ndarray, labels: np.ndarray) -> float:
    """Share of rows whose most probable class is the label."""
    return float(np.mean(probabilities.argmax(axis=1) == labels))


def test_features_are_the_input_of_the_last_layer(small_model, random_images):
    features, probabilities = compute_features(small_model, random_images)
    assert features.shape == (8, 1600) and probabilities.shape == (8, 10)
    np.testing.assert_allclose(probabilities, compute_probabilities(small_model, random_images), atol=1e-5)


def test_a_few_sideways_examples_teach_the_sideways_hand(small_model, sideways_writer, reference):
    (example_x, example_y), (other_x, other_y) = sideways_writer
    plain = accuracy(compute_probabilities(small_model, other_x), other_y)
    adapter = build_adapter(small_model, example_x, example_y, reference)
    adapted = accuracy(predict_personal(small_model, adapter, other_x), other_y)
    assert plain < 0.5  # the base model misreads this hand
    assert adapted > plain + 0.25


def test_mnist_test_digits_are_read_nearly_as_well(mnist, small_model, sideways_writer, reference):
    """The gate alone keeps MNIST within 0.2 points; the same-hand bonus may cost up to a point on this weak model
    (the bundled model's cost is a row of make bench: at most 0.5 points for every held-out writer)."""
    from mnist_cnn.my_digits.personalise import combine_with_vote, compute_features

    _, (x_test, y_test) = mnist
    (example_x, example_y), _ = sideways_writer
    adapter = build_adapter(small_model, example_x, example_y, reference)
    plain = accuracy(compute_probabilities(small_model, x_test[:1000]), y_test[:1000])
    features, probabilities = compute_features(small_model, x_test[:1000])
    gate_alone = combine_with_vote(adapter, features, probabilities.astype(np.float64), same_hand_bonus=0.0)
    assert accuracy(gate_alone, y_test[:1000]) >= plain - 0.002
    adapted = accuracy(predict_personal(small_model, adapter, x_test[:1000]), y_test[:1000])
    assert adapted >= plain - 0.01


def test_classify_personal_agrees_with_the_batch_path(small_model, sideways_writer, reference):
    (example_x, example_y), (other_x, _) = sideways_writer
    adapter = build_adapter(small_model, example_x, example_y, reference)
    single = classify_personal(small_model, adapter, other_x[0].astype(np.float32) / 255.0)
    batch = predict_personal(small_model, adapter, other_x[:1])[0]
    np.testing.assert_allclose(single.probabilities, batch, atol=1e-5)
    assert single.digit == int(batch.argmax()) and adapter.size == 10 * EXAMPLES_PER_DIGIT


def test_bad_collections_are_clear_errors(small_model, reference):
    images = np.zeros((3, 28, 28), np.uint8)
    with pytest.raises(ValueError, match="at least one"):
        build_adapter(small_model, images[:0], np.zeros(0, int), reference)
    with pytest.raises(ValueError, match="3 drawings but 2 labels"):
        build_adapter(small_model, images, np.zeros(2, int), reference)
    with pytest.raises(ValueError, match="0-9"):
        build_adapter(small_model, images, np.array([1, 2, 10]), reference)
    with pytest.raises(ValueError, match="do not belong"):
        build_adapter(small_model, images, np.array([1, 2, 3]), (reference[0][:, :5], reference[1]))


def test_a_drawing_without_features_keeps_the_networks_answer():
    """A drawing the network gives no features at all (far from any digit) cannot be compared with anyone's."""
    from mnist_cnn.my_digits.personalise import PersonalAdapter, combine_with_vote

    drawings = np.eye(3, dtype=np.float32)[[0, 1]]  # two drawings, labelled 7 and 3
    adapter = PersonalAdapter(drawings, np.array([7, 3]), (0,) * 10, np.eye(3, dtype=np.float32)[[2]], np.array([1]))
    probabilities = np.full((2, 10), 0.1)
    features = np.array([[0.0, 0.0, 0.0], [1.0, 0.0, 0.0]])  # no features; just like the drawing of a 7
    mixed = combine_with_vote(adapter, features, probabilities)
    np.testing.assert_allclose(mixed[0], probabilities[0])
    assert mixed[1].argmax() == 7 and mixed[1, 7] > 0.5
