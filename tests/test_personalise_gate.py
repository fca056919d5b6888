"""The gate of instant adaptation: the vote of the person's drawings counts only as far as a digit is closer to them
(with the same-hand bonus) than to MNIST."""

import keras
import numpy as np
import pytest

from mnist_cnn.my_digits.personalise import (GATE_FULL, GATE_START, MAX_VOTE_SHARE, SAME_HAND_BONUS, PersonalAdapter,
                                             build_adapter,
                                             classify_personal, combine_with_vote, compute_features,
                                             compute_reference, predict_personal)

# The label of the person's drawings and of the MNIST reference digits in the synthetic examples.
PERSON_LABEL, MNIST_LABEL = 3, 5
# A digit the network is given even odds on: what the vote adds shows in every other class.
EVEN = np.full((1, 10), 0.1)


def make_adapter() -> PersonalAdapter:
    """An adapter in a 3-D feature space: one drawing of the person along x, one MNIST reference digit along y."""
    return PersonalAdapter(features=np.array([[1.0, 0.0, 0.0]], np.float32), labels=np.array([PERSON_LABEL]),
                           counts=tuple(int(label == PERSON_LABEL) for label in range(10)),
                           reference=np.array([[0.0, 1.0, 0.0]], np.float32),
                           reference_labels=np.array([MNIST_LABEL]))


def query_with_margin(margin: float) -> np.ndarray:
    """A unit feature vector (1, 3) whose margin (similarity to the person's drawing + SAME_HAND_BONUS - that to
    MNIST) is margin."""
    to_mnist = 0.5 - margin / 2
    to_person = to_mnist + margin - SAME_HAND_BONUS
    return np.array([[to_person, to_mnist, np.sqrt(1.0 - to_person ** 2 - to_mnist ** 2)]])


def vote_share(mixed: np.ndarray) -> float:
    """The vote's share of a mix of EVEN with the vote, read from a class nobody voted for (class 0)."""
    return float(1.0 - mixed[0, 0] / EVEN[0, 0])


def expected_share(margin: float) -> float:
    """The documented gate: 0 up to GATE_START, rising linearly to MAX_VOTE_SHARE at GATE_FULL, then flat."""
    return MAX_VOTE_SHARE * min(max((margin - GATE_START) / (GATE_FULL - GATE_START), 0.0), 1.0)


MIDDLE = (GATE_START + GATE_FULL) / 2


@pytest.mark.parametrize("margin", [-0.9, GATE_START - 0.05, GATE_START - 1e-6],
                         ids=["far-closer-to-mnist", "closer-to-mnist", "just-below-the-gate"])
def test_a_digit_closer_to_mnist_than_to_the_persons_drawings_keeps_the_networks_probabilities(margin):
    mixed = combine_with_vote(make_adapter(), query_with_margin(margin), EVEN)
    np.testing.assert_allclose(mixed, EVEN, rtol=0, atol=1e-12)


@pytest.mark.parametrize(("margin", "share"), [
    (GATE_START, 0.0),
    (MIDDLE, MAX_VOTE_SHARE / 2),
    (GATE_FULL, MAX_VOTE_SHARE),
    (GATE_FULL + 0.2, MAX_VOTE_SHARE),
    (0.9, MAX_VOTE_SHARE),
], ids=["gate-start", "middle", "gate-full", "past-gate-full", "nearly-the-persons-drawing"])
def test_the_votes_share_rises_from_nothing_at_gate_start_to_its_maximum_at_gate_full(margin, share):
    mixed = combine_with_vote(make_adapter(), query_with_margin(margin), EVEN)
    assert vote_share(mixed) == pytest.approx(share, abs=1e-6)
    assert vote_share(mixed) == pytest.approx(expected_share(margin), abs=1e-6)
    assert mixed.sum() == pytest.approx(1.0)
    untouched = [label for label in range(10) if label not in (PERSON_LABEL, MNIST_LABEL)]
    np.testing.assert_allclose(mixed[0, untouched], (1 - share) * 0.1, atol=1e-6)


def test_the_gate_weighs_each_digit_of_a_batch_by_its_own_margin():
    queries = np.concatenate([query_with_margin(margin) for margin in (-0.5, MIDDLE, 0.5)])
    mixed = combine_with_vote(make_adapter(), queries, np.repeat(EVEN, 3, axis=0))
    shares = [vote_share(mixed[row:row + 1]) for row in range(3)]
    assert shares == pytest.approx([0.0, MAX_VOTE_SHARE / 2, MAX_VOTE_SHARE], abs=1e-6)


def test_a_digit_as_close_to_the_persons_drawing_as_to_an_mnist_digit_is_read_as_the_persons():
    """Equal similarities: the bonus makes the margin SAME_HAND_BONUS and tips the vote to the person's label."""
    equal = np.array([[0.5, 0.5, np.sqrt(0.5)]])
    mixed = combine_with_vote(make_adapter(), equal, EVEN)
    assert vote_share(mixed) == pytest.approx(expected_share(SAME_HAND_BONUS), abs=1e-6)
    assert int(mixed.argmax()) == PERSON_LABEL and mixed[0, PERSON_LABEL] > 3 * mixed[0, MNIST_LABEL]
    without_bonus = combine_with_vote(make_adapter(), equal, EVEN, same_hand_bonus=0.0)
    assert vote_share(without_bonus) == pytest.approx(expected_share(0.0), abs=1e-6)
    assert without_bonus[0, PERSON_LABEL] == pytest.approx(without_bonus[0, MNIST_LABEL])  # an even vote


# ---------------------------------------------------------------------------------------------
# Through the public functions, with a network whose last hidden features are the pixels themselves.
# ---------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def pixel_model():
    """Flatten, then a softmax read-out: the features compared are the 784 pixels."""
    keras.utils.set_random_seed(0)
    return keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(),
                             keras.layers.Dense(10, activation="softmax")])


@pytest.fixture(scope="module")
def styles():
    """(MNIST-like digits with ink in the top half, the person's drawings with ink in the bottom half) as uint8."""
    rng = np.random.default_rng(0)
    mnist_like = np.zeros((20, 28, 28), np.uint8)
    mnist_like[:, 2:13, 4:24] = rng.integers(1, 256, (20, 11, 20))
    persons = np.zeros((4, 28, 28), np.uint8)
    persons[:, 15:26, 4:24] = rng.integers(1, 256, (4, 11, 20))
    return mnist_like, persons


@pytest.fixture(scope="module")
def adapter(pixel_model, styles):
    """The person's four drawings, all labelled PERSON_LABEL, against the MNIST-like reference."""
    mnist_like, persons = styles
    reference = compute_reference(pixel_model, mnist_like, np.full(len(mnist_like), MNIST_LABEL))
    return build_adapter(pixel_model, persons, np.full(len(persons), PERSON_LABEL), reference)


def test_an_mnist_like_digit_far_from_every_drawing_of_the_person_keeps_the_networks_answer(pixel_model, styles,
                                                                                           adapter):
    mnist_like, _ = styles
    _, network = compute_features(pixel_model, mnist_like[:5])
    np.testing.assert_allclose(predict_personal(pixel_model, adapter, mnist_like[:5]), network, rtol=0, atol=1e-7)
    single = classify_personal(pixel_model, adapter, mnist_like[0].astype(np.float32) / 255.0)
    np.testing.assert_allclose(single.probabilities, network[0], rtol=0, atol=1e-6)


def test_a_drawing_nearly_identical_to_one_of_the_persons_gets_their_labels_vote_at_full_share(pixel_model, styles,
                                                                                              adapter):
    _, persons = styles
    nearly = persons[:1].copy()
    nearly[0, 20, 10] = 0  # one pixel off
    _, network = compute_features(pixel_model, nearly)
    adapted = predict_personal(pixel_model, adapter, nearly)
    vote = np.eye(10)[[PERSON_LABEL]]  # the person's drawings are far closer than any MNIST digit
    np.testing.assert_allclose(adapted, (1 - MAX_VOTE_SHARE) * network + MAX_VOTE_SHARE * vote, atol=1e-6)
    assert int(adapted.argmax()) == PERSON_LABEL and adapted[0, PERSON_LABEL] >= MAX_VOTE_SHARE
