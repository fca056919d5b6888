"""What a network says about one digit (TensorFlow-free, so an answer can be shown before TensorFlow loads)."""

from dataclasses import dataclass

import numpy as np

# The network is "unsure" when its top probability is below UNSURE_TOP_PROBABILITY, or when the runner-up
# is within UNSURE_MARGIN of it.
UNSURE_TOP_PROBABILITY = 0.60
UNSURE_MARGIN = 0.25


@dataclass
class Classification:
    """What the network says about one digit."""

    probabilities: np.ndarray  # (10,) softmax output
    digit: int                 # the most probable class
    confidence: float          # its probability
    is_unsure: bool            # low top probability, or two close classes
    reason: str                # why it is unsure ("" when it is not)
    is_digit: bool = True      # False when the drawing does not look like any digit
    digit_score: float = 0.0   # the score the "not a digit" verdict compares with the model's threshold
    digit_threshold: float = 0.0  # that threshold


def describe_uncertainty(probabilities: np.ndarray) -> str:
    """'' when the network is sure, else a sentence saying why it is not."""
    order = np.argsort(probabilities)[::-1]
    top, second = float(probabilities[order[0]]), float(probabilities[order[1]])
    if top < UNSURE_TOP_PROBABILITY:
        return f"The network is only {top:.0%} sure."
    if top - second < UNSURE_MARGIN:
        return (f"The network hesitates between {order[0]} ({top:.0%}) and {order[1]} ({second:.0%}).")
    return ""


def build_classification(probabilities: np.ndarray, digit_score: float,
                         threshold: float | None = None) -> Classification:
    """The Classification of one input's ten probabilities and digit score; is_digit compares the score with the
    model's threshold (None: no verdict, the input counts as a digit)."""
    probabilities = np.asarray(probabilities, dtype=np.float64)  # (10,)
    digit = int(np.argmax(probabilities))
    reason = describe_uncertainty(probabilities)
    return Classification(probabilities, digit, float(probabilities[digit]), bool(reason), reason,
                          is_digit=threshold is None or digit_score >= threshold, digit_score=digit_score,
                          digit_threshold=0.0 if threshold is None else threshold)
