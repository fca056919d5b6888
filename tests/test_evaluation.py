"""Tests of test-set evaluation: probabilities, confusion, per-class metrics, mistake filters and comparisons."""

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st_hypothesis

from mnist_cnn.evaluation.metrics import (Evaluation, compare_evaluations, compute_class_metrics,
                                          compute_confusion_matrix, compute_probabilities, evaluate_model,
                                          find_mistakes, order_indices)

# How many test digits the small-model tests evaluate.
TEST_SUBSET = 600


def make_evaluation(labels, predictions, confidences=None, seed=0) -> Evaluation:
    """A synthetic Evaluation whose argmax is `predictions`, with the given (or random) top probabilities."""
    labels, predictions = np.asarray(labels), np.asarray(predictions)
    count = len(labels)
    rng = np.random.default_rng(seed)
    if confidences is None:
        confidences = rng.uniform(0.35, 0.99, count)
    probabilities = np.full((count, 10), 0.0, dtype="float32")
    probabilities += ((1 - np.asarray(confidences)) / 9)[:, None]
    probabilities[np.arange(count), predictions] = confidences
    losses = -np.log(probabilities[np.arange(count), labels])
    return Evaluation(labels, probabilities, predictions, losses)


@pytest.fixture(scope="module")
def small_evaluation(tiny_trained_model, mnist):
    """The tiny trained model evaluated on the first TEST_SUBSET test digits, with those digits."""
    _, (x_test, y_test) = mnist
    images, labels = x_test[:TEST_SUBSET], y_test[:TEST_SUBSET]
    return evaluate_model(tiny_trained_model, images, labels), images, labels


def test_confusion_matrix_of_a_small_model_is_consistent(small_evaluation):
    evaluation, _, labels = small_evaluation
    confusion = compute_confusion_matrix(evaluation.labels, evaluation.predictions)
    correct = int(np.sum(evaluation.predictions == labels))
    assert confusion.sum() == TEST_SUBSET
    assert np.trace(confusion) == correct
    assert evaluation.error_count == TEST_SUBSET - correct
    assert evaluation.accuracy == pytest.approx(correct / TEST_SUBSET)
    np.testing.assert_array_equal(confusion.sum(axis=1), np.bincount(labels, minlength=10))
    np.testing.assert_array_equal(confusion.sum(axis=0), np.bincount(evaluation.predictions, minlength=10))


def test_evaluation_matches_a_direct_forward_pass(small_evaluation, tiny_trained_model):
    evaluation, images, labels = small_evaluation
    direct = np.asarray(tiny_trained_model(images[..., None].astype("float32") / 255.0, training=False))
    np.testing.assert_allclose(evaluation.probabilities, direct, atol=1e-5)
    np.testing.assert_array_equal(evaluation.predictions, direct.argmax(axis=1))
    expected_losses = -np.log(np.clip(direct[np.arange(len(labels)), labels], 1e-7, 1))
    np.testing.assert_allclose(evaluation.losses, expected_losses, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(evaluation.confidences, direct.max(axis=1), atol=1e-5)


def test_probabilities_do_not_depend_on_batch_size_or_input_type(tiny_trained_model, mnist):
    _, (x_test, _) = mnist
    images = x_test[:53]
    whole = compute_probabilities(tiny_trained_model, images, batch_size=500)
    in_pieces = compute_probabilities(tiny_trained_model, images, batch_size=7)
    from_floats = compute_probabilities(tiny_trained_model, images[..., None].astype("float32") / 255.0)
    assert whole.shape == (53, 10)
    np.testing.assert_allclose(whole, in_pieces, atol=1e-5)
    np.testing.assert_allclose(whole, from_floats, atol=1e-6)
    np.testing.assert_allclose(whole.sum(axis=1), 1.0, atol=1e-5)


def test_empty_input_and_bad_arguments(tiny_trained_model):
    assert compute_probabilities(tiny_trained_model, np.zeros((0, 28, 28), np.uint8)).shape == (0, 10)
    with pytest.raises(ValueError):
        compute_probabilities(tiny_trained_model, np.zeros((2, 28, 28), np.uint8), batch_size=0)
    with pytest.raises(ValueError):
        evaluate_model(tiny_trained_model, np.zeros((3, 28, 28), np.uint8), np.zeros(2, int))


def test_cached_forward_pass_sees_new_weights(random_images):
    from mnist_cnn.model.architectures import build_model

    model = build_model("keras_example")  # untrained; its own copy, so changing its weights is fine
    before = compute_probabilities(model, random_images)
    model.set_weights([weights * 1.5 + 0.01 for weights in model.get_weights()])  # as training would
    after = compute_probabilities(model, random_images)
    direct = np.asarray(model(random_images, training=False))
    np.testing.assert_allclose(after, direct, atol=1e-6)
    assert not np.allclose(before, after)


@given(st_hypothesis.lists(st_hypothesis.tuples(st_hypothesis.integers(0, 9), st_hypothesis.integers(0, 9)),
                           min_size=0, max_size=80))
@settings(max_examples=60, deadline=None)
def test_each_filter_returns_exactly_the_matching_indices(pairs):
    labels = np.array([pair[0] for pair in pairs], dtype=int)
    predictions = np.array([pair[1] for pair in pairs], dtype=int)
    evaluation = make_evaluation(labels, predictions)
    for true_digit, predicted_digit in itertools.product([None, *range(10)], repeat=2):
        expected = {index for index, (label, prediction) in enumerate(pairs)
                    if label != prediction
                    and (true_digit is None or label == true_digit)
                    and (predicted_digit is None or prediction == predicted_digit)}
        found = find_mistakes(evaluation, true_digit, predicted_digit)
        assert len(found) == len(set(found.tolist()))
        assert set(found.tolist()) == expected


def test_mistakes_are_ordered_by_confidence():
    labels = np.array([1, 2, 3, 4, 5, 6])
    predictions = np.array([7, 2, 8, 9, 5, 0])  # wrong at 0, 2, 3, 5
    evaluation = make_evaluation(labels, predictions, confidences=np.array([0.6, 0.99, 0.9, 0.4, 0.8, 0.7]))
    assert find_mistakes(evaluation).tolist() == [2, 5, 0, 3]
    assert find_mistakes(evaluation, order="least_confident").tolist() == [3, 0, 5, 2]
    assert find_mistakes(evaluation, order="test_index").tolist() == [0, 2, 3, 5]
    with pytest.raises(ValueError):
        order_indices(evaluation, np.array([0]), "alphabetical")


def test_comparison_splits_the_digits_by_who_gets_them_right():
    labels = np.array([0, 1, 2, 3, 4, 5])
    first = make_evaluation(labels, np.array([0, 1, 9, 9, 4, 9]))
    second = make_evaluation(labels, np.array([0, 9, 2, 9, 4, 5]))
    comparison = compare_evaluations(first, second)
    assert comparison["only_first_right"].tolist() == [1]
    assert comparison["only_second_right"].tolist() == [2, 5]
    assert comparison["both_wrong"].tolist() == [3]


def test_class_metrics_from_a_known_confusion_matrix():
    confusion = np.zeros((10, 10), int)
    confusion[4, 4], confusion[4, 9], confusion[9, 9] = 8, 2, 5
    metrics = compute_class_metrics(confusion)
    assert metrics["recall"][4] == pytest.approx(0.8)
    assert metrics["precision"][9] == pytest.approx(5 / 7)
    assert metrics["support"][4] == 10
