"""The class challenge's scoring: the classmates' reader (nearest neighbours on pixels), an attempt's points, and
the leaderboard's order."""

from types import SimpleNamespace

import numpy as np
import pytest

from mnist_cnn.challenge.scoring import (CHALLENGES, MAX_SCORE, make_leaderboard, pick_class_references,
                                         pick_mnist_references, read_like_classmates, score_attempt)

SEVEN_AS_ONE = CHALLENGES["7-as-1"]


def probabilities_with(top: int, share: float) -> np.ndarray:
    """Ten probabilities with `share` on `top` and the rest spread evenly."""
    values = np.full(10, (1.0 - share) / 9)
    values[top] = share
    return values


def bar(row: int) -> np.ndarray:
    """A 28x28 image with one bright horizontal bar at row."""
    image = np.zeros((28, 28), np.float32)
    image[row:row + 3, 4:24] = 1.0
    return image


def test_the_reader_returns_the_labels_of_the_nearest_references():
    references = np.stack([bar(2), bar(4), bar(20), bar(22), bar(24)])
    labels = np.array([7, 7, 1, 1, 1])
    assert list(read_like_classmates(bar(3), references, labels, neighbours=2)) == [7, 7]
    assert list(read_like_classmates(bar(22), references, labels, neighbours=3)) == [1, 1, 1]


def test_the_reader_agrees_with_a_brute_force_reference(mnist):
    (x_train, y_train), (x_test, _) = mnist
    references, labels = x_train[:300], y_train[:300]
    image = x_test[0].astype(np.float32) / 255
    distances = [float(np.sum((reference.astype(np.float32) / 255 - image) ** 2)) for reference in references]
    expected = labels[np.argsort(distances, kind="stable")[:5]]
    assert list(read_like_classmates(image, references, labels)) == list(expected)


def test_the_reader_refuses_too_few_references_and_a_wrong_shape():
    with pytest.raises(ValueError, match="at least 5"):
        read_like_classmates(bar(3), np.stack([bar(2)] * 4), np.array([7] * 4))
    with pytest.raises(ValueError, match="28x28"):
        read_like_classmates(np.zeros((10, 10)), np.stack([bar(2)] * 5), np.array([7] * 5))


def test_fooling_the_model_while_classmates_still_read_a_seven_scores():
    score = score_attempt(SEVEN_AS_ONE, probabilities_with(1, 0.8), True, np.array([7, 7, 7, 7, 1]))
    assert score.fooled and score.readable
    assert score.classmates_share == pytest.approx(0.8)
    assert score.score == round(MAX_SCORE * 0.8 * 0.8)


@pytest.mark.parametrize(("top", "is_digit", "neighbours", "fooled", "readable"), [
    (7, True, [7, 7, 7, 7, 7], False, True),   # the model still reads a 7
    (1, True, [1, 1, 1, 7, 7], True, False),   # it no longer looks like the class's 7s
    (1, False, [7, 7, 7, 7, 7], False, True),  # the model calls it "not a digit": not a 1
    (1, True, [7, 7, 1, 1, 3], True, False),   # two of five is not more than half
], ids=["not-fooled", "not-a-seven-any-more", "not-a-digit", "no-majority"])
def test_an_attempt_scores_nothing_unless_both_hold(top, is_digit, neighbours, fooled, readable):
    score = score_attempt(SEVEN_AS_ONE, probabilities_with(top, 0.9), is_digit, np.array(neighbours))
    assert (score.fooled, score.readable, score.score) == (fooled, readable, 0)


def test_scoring_refuses_bad_input():
    with pytest.raises(ValueError, match="10 probabilities"):
        score_attempt(SEVEN_AS_ONE, np.ones(9) / 9, True, np.array([7]))
    with pytest.raises(ValueError, match="neighbours"):
        score_attempt(SEVEN_AS_ONE, probabilities_with(1, 0.9), True, np.array([]))


def attempt(collection: str, score: int, at: str, success: bool = True):
    return SimpleNamespace(collection=collection, score=score, fooled=success, readable=success, created_at=at)


def test_the_leaderboard_ranks_best_score_then_successes_then_who_was_first():
    board = make_leaderboard([
        attempt("ben", 60, "2026-01-01T10:05:00"), attempt("anna", 60, "2026-01-01T10:07:00"),
        attempt("anna", 0, "2026-01-01T10:01:00", success=False), attempt("ben", 20, "2026-01-01T10:09:00"),
        attempt("cleo", 90, "2026-01-01T10:30:00"), attempt("dev", 0, "2026-01-01T10:00:00", success=False),
    ])
    assert [row.collection for row in board] == ["cleo", "ben", "anna", "dev"]
    ben = board[1]
    assert (ben.best_score, ben.successes, ben.attempts, ben.best_at) == (60, 2, 2, "2026-01-01T10:05:00")
    assert (board[2].successes, board[2].attempts) == (1, 2)
    assert make_leaderboard([]) == []


def test_the_references_leave_out_the_excluded_collections_and_keep_every_digit(mnist):
    images, labels = np.zeros((4, 28, 28)), np.array([1, 2, 3, 4])
    kept_images, kept_labels = pick_class_references(images, labels, np.array(["anna", "ben", "class-set", "cleo"],
                                                                              dtype=object), {"ben", "class-set"})
    assert list(kept_labels) == [1, 4] and len(kept_images) == 2
    (x_train, y_train), _ = mnist
    mnist_images, mnist_labels = pick_mnist_references(x_train, y_train, per_digit=3)
    assert len(mnist_images) == 30 and np.bincount(mnist_labels, minlength=10).tolist() == [3] * 10
