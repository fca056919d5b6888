"""Score a class-challenge attempt: the model must read the target digit while a classmates' reader still reads the
true one, and rank the class's collections by their best attempt.

"Classmates still read a 7" is checked by a stand-in that needs no one else at the keyboard: a k-nearest-neighbour
reader on pixels that knows only the class's own drawings (the other collections') and a few MNIST digits. It is
not the network, so a drawing fools the network and not the reader only when the network reacts to something
that pixel closeness to everyone's real 7s does not: the honest version of "a person still sees a 7".
"""

from dataclasses import dataclass

import numpy as np

from mnist_cnn.config import NUM_CLASSES
from mnist_cnn.inputs.images import to_unit_floats

# The classmates' reader: this many nearest drawings vote, and more than half must name the true digit.
NEIGHBOURS = 5
# MNIST training digits per digit in the reader's references (so that it knows every digit in a new class).
MNIST_REFERENCES_PER_DIGIT = 10
# Points: 100 × the model's probability of the target × the share of neighbours that read the true digit.
MAX_SCORE = 100


@dataclass(frozen=True)
class Challenge:
    """Draw a true_digit that the model reads as target_digit, while classmates still read true_digit."""

    key: str
    true_digit: int
    target_digit: int

    def describe(self) -> str:
        """The challenge in one sentence."""
        return (f"Draw a {self.true_digit} that the model reads as a {self.target_digit}, while your classmates' "
                f"drawings still read it as a {self.true_digit}.")


# The challenges on offer, by key (pairs the network finds close and people do not).
CHALLENGES = {challenge.key: challenge for challenge in (
    Challenge("7-as-1", 7, 1), Challenge("4-as-9", 4, 9), Challenge("3-as-8", 3, 8), Challenge("5-as-6", 5, 6),
    Challenge("1-as-7", 1, 7))}


@dataclass(frozen=True)
class AttemptScore:
    """How an attempt did: the model fooled, the reader still reading the true digit, and the points."""

    fooled: bool               # the model read the target digit (and called it a digit)
    readable: bool             # more than half of the nearest classmates' drawings are the true digit
    target_probability: float  # the model's probability of the target digit
    classmates_share: float    # share of the NEIGHBOURS nearest references that are the true digit
    score: int                 # 0 unless fooled and readable; else MAX_SCORE × target_probability × share


@dataclass(frozen=True)
class LeaderboardRow:
    """One collection's standing in a challenge."""

    collection: str
    best_score: int
    successes: int
    attempts: int
    best_at: str  # when the best score was first reached (ties go to the earlier)


def pick_mnist_references(images: np.ndarray, labels: np.ndarray,
                          per_digit: int = MNIST_REFERENCES_PER_DIGIT) -> tuple[np.ndarray, np.ndarray]:
    """The first per_digit images of each digit: a fixed, small reference set of (n, 28, 28) and (n,)."""
    labels = np.asarray(labels)
    picked = np.concatenate([np.flatnonzero(labels == digit)[:per_digit] for digit in range(NUM_CLASSES)])
    picked.sort()
    return np.asarray(images)[picked], labels[picked]


def pick_class_references(images: np.ndarray, labels: np.ndarray, collections: np.ndarray,
                          excluded: set[str]) -> tuple[np.ndarray, np.ndarray]:
    """The class's drawings except those of the excluded collections (the student's own, and the class set)."""
    keep = ~np.isin(np.asarray(collections, dtype=object), list(excluded))
    return np.asarray(images)[keep], np.asarray(labels)[keep]


def read_like_classmates(image: np.ndarray, reference_images: np.ndarray, reference_labels: np.ndarray,
                         neighbours: int = NEIGHBOURS) -> np.ndarray:
    """The labels of the `neighbours` references nearest to image (Euclidean distance on [0, 1] pixels)."""
    image = to_unit_floats(image)
    if image.shape != (28, 28):
        raise ValueError(f"The drawing must be a 28x28 digit, not {image.shape}.")
    references = to_unit_floats(reference_images).reshape(len(reference_images), -1)  # (n, 784)
    if len(references) < neighbours:
        raise ValueError(f"The classmates' reader needs at least {neighbours} reference drawings, "
                         f"not {len(references)}.")
    distances = np.sum((references - image.reshape(1, -1)) ** 2, axis=1)  # (n,)
    nearest = np.argsort(distances, kind="stable")[:neighbours]
    return np.asarray(reference_labels)[nearest]


def score_attempt(challenge: Challenge, probabilities: np.ndarray, is_digit: bool,
                  neighbour_labels: np.ndarray) -> AttemptScore:
    """Score one attempt from the model's probabilities (10,), its digit verdict and the reader's neighbours."""
    probabilities = np.asarray(probabilities, dtype=np.float64)
    if probabilities.shape != (NUM_CLASSES,):
        raise ValueError(f"Expected {NUM_CLASSES} probabilities, not an array of shape {probabilities.shape}.")
    neighbour_labels = np.asarray(neighbour_labels)
    if neighbour_labels.size == 0:
        raise ValueError("Scoring needs the classmates' reader's neighbours (none were given).")
    target_probability = float(probabilities[challenge.target_digit])
    fooled = bool(is_digit) and int(np.argmax(probabilities)) == challenge.target_digit
    share = float(np.mean(neighbour_labels == challenge.true_digit))
    readable = share > 0.5
    score = int(round(MAX_SCORE * target_probability * share)) if fooled and readable else 0
    return AttemptScore(fooled, readable, target_probability, share, score)


def make_leaderboard(attempts) -> list[LeaderboardRow]:
    """Collections ranked by best score, then successes, then who reached their best first.

    attempts: objects with .collection, .score, .fooled, .readable and .created_at (ISO text), in any order.
    """
    rows: dict[str, dict] = {}
    for attempt in sorted(attempts, key=lambda attempt: attempt.created_at):
        row = rows.setdefault(attempt.collection, {"best": 0, "successes": 0, "attempts": 0, "at": ""})
        row["attempts"] += 1
        row["successes"] += int(attempt.fooled and attempt.readable)
        if not row["at"] or attempt.score > row["best"]:
            row["best"], row["at"] = attempt.score, attempt.created_at
    board = [LeaderboardRow(name, row["best"], row["successes"], row["attempts"], row["at"])
             for name, row in rows.items()]
    return sorted(board, key=lambda row: (-row.best_score, -row.successes, row.best_at, row.collection))
