"""Which "not a digit" score carries over to unseen kinds? Top score, energy, ReAct, feature densities, a head.

Run: `python -m benchmarks.explore_digit_checks [MODEL]` (a few minutes). Every score is calibrated to flag the same
share of real digits (MNIST training digits and trainable writers' pen digits that no score was fitted on), then
measured on MNIST test digits, the held-out writers' pen digits and every kind of non-digit drawing. The head is
trained on the trained kinds plus half the doodle kinds and measured on the other half (and the other way round).
"""

import argparse
import os

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from benchmarks.bench_handwriting import draw_outlier_inputs
from mnist_cnn import config
from mnist_cnn.data import outliers
from mnist_cnn.data.extra_training_data import make_pen_digit_set
from mnist_cnn.data.mnist import load_mnist
from mnist_cnn.data.pendigits import CONDITIONS, load_pendigits, prepare_inputs, split_by_writer
from mnist_cnn.inputs.images import to_unit_floats
from mnist_cnn.my_digits.personalise import compute_features
from mnist_cnn.store.model_store import ModelStore

# Settings: how many real digits fit the density scores and calibrate every score, the share of them flagged, the
# principal components kept, the neighbours counted, and the drawings per non-digit kind.
FIT_DIGITS = 10_000
FLAGGED_SHARE = 0.004
COMPONENTS = 128
PCA_SAMPLE = 3000  # the principal components come from this many of the fitting digits
NEIGHBOURS = 5
DRAWINGS_PER_KIND = 200
SEED = 2026
# ReAct (Sun et al., 2021): the last hidden features are clipped at this percentile of the fitting digits' values
# before the read-out, so that a few over-excited units cannot make a non-digit's top score high.
CLIP_PERCENTILES = (95, 99)


def read_sets(model) -> dict:
    """Last hidden features (n, d) of every set measured, by name."""
    (x_train, _), (x_test, _) = load_mnist()
    pen_images, _ = make_pen_digit_set(1, seed=11)
    half = len(pen_images) // 2
    trainable, held_out = split_by_writer(load_pendigits())
    sets = {"fit": np.concatenate([to_unit_floats(x_train[:FIT_DIGITS]), to_unit_floats(pen_images[:half])]),
            "calibration": np.concatenate([to_unit_floats(x_train[FIT_DIGITS:2 * FIT_DIGITS]),
                                           to_unit_floats(pen_images[half:])]),
            "MNIST test": to_unit_floats(x_test)}
    for condition in CONDITIONS:
        sets[f"pen: {condition.name}"] = prepare_inputs(held_out, condition)[0]
    for kind in outliers.MEASURED_KINDS:
        sets[kind] = draw_outlier_inputs(kind, DRAWINGS_PER_KIND, SEED, held_out)
    return {name: compute_features(model, images)[0].astype(np.float64) for name, images in sets.items()}


def make_energy(model):
    """The energy score (minus log Σ exp of the logits) of last hidden features, read by the model's read-out."""
    weights, bias = (np.asarray(value, dtype=np.float64) for value in model.layers[-1].get_weights())

    def energy(features):
        logits = features @ weights + bias
        top = logits.max(axis=1)
        return -(top + np.log(np.exp(logits - top[:, None]).sum(axis=1)))

    return energy, weights, bias


def make_scores(model, fit: np.ndarray) -> dict:
    """Score functions (higher = less like a digit): energy, Mahalanobis and residual in a PCA space, kNN."""
    energy, weights, bias = make_energy(model)
    centre = fit.mean(axis=0)
    sample = fit[np.random.default_rng(SEED).choice(len(fit), min(PCA_SAMPLE, len(fit)), replace=False)] - centre
    gram_values, gram_vectors = np.linalg.eigh(sample @ sample.T)  # (n, n): cheaper than the (d, d) covariance
    order = np.argsort(gram_values)[::-1][:COMPONENTS]
    basis = sample.T @ gram_vectors[:, order] / np.sqrt(np.maximum(gram_values[order], 1e-12))  # (d, K)
    projected = (fit - centre) @ basis
    predicted = (fit @ weights + bias).argmax(axis=1)
    means = np.stack([projected[predicted == digit].mean(axis=0) for digit in range(10)])
    spread = projected - means[predicted]
    precision = np.linalg.inv(spread.T @ spread / len(spread) + 1e-6 * np.eye(COMPONENTS))
    reference = projected / np.linalg.norm(projected, axis=1, keepdims=True)

    def mahalanobis(features):
        points = (features - centre) @ basis
        return np.min([np.einsum("ij,jk,ik->i", points - mean, precision, points - mean) for mean in means], axis=0)

    def residual(features):
        offsets = features - centre
        inside = offsets @ basis
        return np.sqrt(np.maximum((offsets ** 2).sum(axis=1) - (inside ** 2).sum(axis=1), 0))

    def nearest(features):
        points = (features - centre) @ basis
        points /= np.linalg.norm(points, axis=1, keepdims=True)
        return -np.sort(points @ reference.T, axis=1)[:, -NEIGHBOURS]

    def top_score(ceiling: float = np.inf):
        return lambda features: -(np.minimum(features, ceiling) @ weights + bias).max(axis=1)

    clipped = {f"ReAct {percentile}% top score": top_score(float(np.percentile(fit, percentile)))
               for percentile in CLIP_PERCENTILES}
    return {"top score (the app's)": top_score(), "energy": energy, **clipped, "Mahalanobis": mahalanobis,
            "PCA residual": residual, f"{NEIGHBOURS}-NN": nearest}


def train_head(features: np.ndarray, is_outlier: np.ndarray, steps: int = 1500):
    """A class-balanced logistic 'digit or not' head (Adam on standardised features); returns its score function."""
    mean, spread = features.mean(axis=0), features.std(axis=0) + 1e-6
    inputs = (features - mean) / spread
    balance = np.where(is_outlier, 0.5 / is_outlier.mean(), 0.5 / (1 - is_outlier.mean()))
    weights, bias = np.zeros(inputs.shape[1]), 0.0
    first, second = np.zeros_like(weights), np.zeros_like(weights)
    for _ in range(steps):
        error = (1 / (1 + np.exp(-(inputs @ weights + bias))) - is_outlier) * balance
        gradient = inputs.T @ error / len(inputs) + 1e-3 * weights
        first, second = 0.9 * first + 0.1 * gradient, 0.999 * second + 0.001 * gradient ** 2
        weights -= 0.05 * first / (np.sqrt(second) + 1e-8)
        bias -= 0.05 * error.mean()
    return lambda new: ((new - mean) / spread) @ weights + bias


def pool_features(features: np.ndarray, logits_of) -> np.ndarray:
    """Channel means, maxima and active shares of (n, 7, 7, c) features, with the energy: the head's inputs."""
    if features.shape[1] % 49:
        raise ValueError("The head reads 7×7 feature maps (the bundled batchnorm_cnn's last hidden layer).")
    channels = features.shape[1] // 49
    maps = features.reshape(len(features), 7, 7, channels)
    return np.concatenate([maps.mean(axis=(1, 2)), maps.max(axis=(1, 2)), (maps > 0).mean(axis=(1, 2)),
                           logits_of(features)[:, None] / 10], axis=1)


def flag_shares(score, threshold: float, sets: dict) -> dict:
    """The share of each set whose score passes the threshold."""
    return {name: float((score(features) > threshold).mean()) for name, features in sets.items()}


def report(name: str, shares: dict, kinds: list[str]) -> None:
    """One line: the digits wrongly flagged, then each kind's share flagged."""
    pens = [share for set_name, share in shares.items() if set_name.startswith("pen: ")]
    print(f"{name:28s} MNIST test {shares['MNIST test']:.2%}, pen digits worst {max(pens):.2%} | mean over kinds "
          f"{np.mean([shares[kind] for kind in kinds]):.1%} | "
          + ", ".join(f"{kind.removeprefix('doodle: ')} {shares[kind]:.0%}" for kind in kinds))


def main(model_name: str | None) -> None:
    """Print every score's flagged shares, then the head's on held-out doodle kinds."""
    model = ModelStore().load(model_name or config.DEFAULT_MODEL_NAME)
    sets = read_sets(model)
    measured = {name: features for name, features in sets.items() if name not in ("fit", "calibration")}
    unseen = list(outliers.UNSEEN_KINDS)
    for name, score in make_scores(model, sets["fit"]).items():
        threshold = np.quantile(score(sets["calibration"]), 1 - FLAGGED_SHARE)
        report(name, flag_shares(score, threshold, measured), unseen)
    energy, _, _ = make_energy(model)
    doodles = list(outliers.DOODLE_KINDS)
    for taught, held in ((doodles[0::2], doodles[1::2]), (doodles[1::2], doodles[0::2])):
        trained = [kind for kind in outliers.TRAINED_KINDS if kind in sets and kind not in doodles] + taught
        features = np.concatenate([pool_features(sets["fit"], lambda f: -energy(f))]
                                  + [pool_features(sets[kind], lambda f: -energy(f)) for kind in trained])
        labels = np.r_[np.zeros(len(sets["fit"])), np.ones(len(features) - len(sets["fit"]))]
        head = train_head(features, labels)
        score = lambda new, head=head: head(pool_features(new, lambda f: -energy(f)))  # noqa: E731
        threshold = np.quantile(score(sets["calibration"]), 1 - FLAGGED_SHARE)
        report("head, half the doodles", flag_shares(score, threshold, measured),
               ["script letters", "greek letters", "shapes"] + held)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", nargs="?", help="a stored model name (default: the bundled default)")
    main(parser.parse_args().model)
