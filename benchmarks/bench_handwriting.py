"""Real handwriting and "not a digit": pen-drawn digits of unseen writers drawn like canvas drawings, and non-digits.

Run alone for the per-writer table and the confusions: `python -m benchmarks.bench_handwriting [MODEL]`.
"""

import argparse
import os
from collections import Counter

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from mnist_cnn import config

from mnist_cnn.data import outliers
from mnist_cnn.data.digit_styles import STYLED_DIGITS, restyle_digit
from mnist_cnn.data.mnist import load_mnist
from mnist_cnn.data.pendigits import CONDITIONS, load_pendigits, prepare_inputs, split_by_writer
from mnist_cnn.inputs.images import to_unit_floats
from mnist_cnn.inputs.preprocess import preprocess_drawing
from mnist_cnn.model.inference import judge_digits
from mnist_cnn.store.model_store import ModelStore

# Non-digit drawings measured per kind (fixed seed, never the seeds training used); a quarter of that per
# doodle kind, since there are many of those.
OUTLIERS_PER_KIND = 400
OUTLIER_SEED = 2026
# Confusions listed per condition.
TOP_CONFUSIONS = 5


def measure_condition(model, digits, condition, seed: int = 0) -> dict:
    """Accuracy of one drawing condition, overall and per writer, its commonest confusions, digits flagged."""
    inputs, labels, kept = prepare_inputs(digits, condition, seed=seed)
    probabilities, is_digit = judge_digits(model, inputs)
    predictions = probabilities.argmax(axis=1)
    correct = (predictions == labels) & kept
    writers = np.array([digit.writer for digit in digits])
    per_writer = {writer: float(correct[writers == writer].mean()) for writer in sorted(set(writers))}
    confusions = Counter((int(label), int(prediction)) for label, prediction, good, keep
                         in zip(labels, predictions, correct, kept) if keep and not good)
    return {"accuracy": float(correct.mean()), "count": len(digits), "refused": int((~kept).sum()),
            "per_writer": per_writer, "worst_writer": min(per_writer, key=per_writer.get),
            "worst_accuracy": min(per_writer.values()),
            "flagged_as_not_digit": float((~is_digit | ~kept).mean()),
            "confusions": [f"{label}→{prediction} ×{count}"
                           for (label, prediction), count in confusions.most_common(TOP_CONFUSIONS)]}


def measure_accuracy(model, digits, condition) -> float:
    """Share of the digits read right under one drawing condition (a refused drawing counts as misread)."""
    inputs, labels, kept = prepare_inputs(digits, condition)
    probabilities, _ = judge_digits(model, inputs)
    return float(((probabilities.argmax(axis=1) == labels) & kept).mean())


def measure_handwriting(model_name: str | None = None) -> dict:
    """Per drawing condition: the held-out writers' figures, and the trained writers' accuracy (the gap to watch)."""
    model = ModelStore().load(model_name or config.DEFAULT_MODEL_NAME)
    trained, held_out = split_by_writer(load_pendigits())
    return {condition.name: {**measure_condition(model, held_out, condition),
                             "trained_writers_accuracy": measure_accuracy(model, trained, condition)}
            for condition in CONDITIONS}


def draw_outlier_inputs(kind: str, count: int, seed: int, digits: list) -> np.ndarray:
    """`count` non-digit drawings of one kind, preprocessed as the app does ((n, 28, 28); refused ones dropped)."""
    rng = np.random.default_rng(seed)
    inputs = [preprocess_drawing(outliers.draw_outlier_of_kind(kind, rng, digits)).model_input
              for _ in range(count)]
    return np.stack([model_input for model_input in inputs if model_input is not None])


def measure_not_a_digit(model_name: str | None = None, per_kind: int = OUTLIERS_PER_KIND) -> dict:
    """Share of non-digit drawings flagged, per kind, and share of MNIST test digits flagged."""
    model = ModelStore().load(model_name or config.DEFAULT_MODEL_NAME)
    _, held_out = split_by_writer(load_pendigits())  # two-digit drawings from unseen writers
    flagged = {}
    for kind in outliers.MEASURED_KINDS:
        count = max(1, per_kind // 4) if kind in outliers.DOODLE_KINDS else per_kind
        _, is_digit = judge_digits(model, draw_outlier_inputs(kind, count, OUTLIER_SEED, held_out))
        flagged[kind] = float((~is_digit).mean())
    _, (x_test, _) = load_mnist()
    _, is_digit = judge_digits(model, to_unit_floats(x_test))
    return {"flagged": flagged, "mnist_test_flagged": float((~is_digit).mean()), "per_kind": per_kind,
            "per_doodle": max(1, per_kind // 4)}


def measure_digit_styles(model_name: str | None = None) -> dict:
    """Per style (a slashed zero, a crossed seven): the held-out writers' digits so restyled, read right (centred)."""
    model = ModelStore().load(model_name or config.DEFAULT_MODEL_NAME)
    _, held_out = split_by_writer(load_pendigits())
    rng = np.random.default_rng(OUTLIER_SEED)
    figures = {}
    for label, style in STYLED_DIGITS.items():
        originals = [digit for digit in held_out if digit.label == label]
        restyled = [restyle_digit(digit, rng) for digit in originals]
        digits = [new for new, old in zip(restyled, originals) if new is not old]  # sevens with a bar stay out
        inputs, labels, kept = prepare_inputs(digits, CONDITIONS[0])
        probabilities, is_digit = judge_digits(model, inputs)
        figures[style] = {"accuracy": float(((probabilities.argmax(axis=1) == labels) & kept).mean()),
                          "flagged": float((~is_digit | ~kept).mean()), "count": len(digits)}
    return figures


def print_report(handwriting: dict, not_a_digit: dict) -> None:
    """Per condition and per writer accuracy, confusions, and the not-a-digit shares, as text."""
    for name, figures in handwriting.items():
        print(f"\n{name}: {figures['accuracy']:.2%} of {figures['count']} (refused {figures['refused']}), "
              f"worst writer {figures['worst_writer']} {figures['worst_accuracy']:.1%}, "
              f"flagged as not a digit {figures['flagged_as_not_digit']:.2%}")
        print("  per writer: " + ", ".join(f"{writer} {value:.1%}"
                                           for writer, value in figures["per_writer"].items()))
        print("  commonest confusions (true→read): " + ", ".join(figures["confusions"]))
    print("\nNot a digit, share flagged: " + ", ".join(f"{kind} {share:.1%}"
                                                      for kind, share in not_a_digit["flagged"].items()))
    print(f"MNIST test digits flagged: {not_a_digit['mnist_test_flagged']:.2%}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", nargs="?", help="a stored model name (default: the bundled default)")
    arguments = parser.parse_args()
    print_report(measure_handwriting(arguments.model), measure_not_a_digit(arguments.model))
    print(f"Digit styles (held-out writers): {measure_digit_styles(arguments.model)}")
