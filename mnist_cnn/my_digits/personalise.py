"""Instant adaptation to one person's labelled drawings: a nearest-neighbour vote in the network's last features.

The network's last hidden features (the input of its final Dense layer) of the person's drawings are kept.
A new digit's features are compared with them and with those of a fixed sample of labelled MNIST training
digits (cosine similarity); the most alike vote for their labels, and that vote is mixed with the network's
own probabilities. The person's drawings come from the same hand as the new digit, so their similarities get a
small head start (SAME_HAND_BONUS) over the MNIST digits'. The vote only counts when the new digit is about as
close to one of the person's drawings as to any MNIST digit, so digits in MNIST's style mostly keep the network's
answer. Building the adapter is one forward pass over the drawings: no training.
"""

import weakref
from dataclasses import dataclass

import keras
import numpy as np
import tensorflow as tf

from mnist_cnn.config import NUM_CLASSES
from mnist_cnn.inputs.images import to_image_batch, to_model_batch
from mnist_cnn.model.forward import get_compiled, run_hidden_layers
from mnist_cnn.model.classification import Classification, build_classification
from mnist_cnn.model.layer_types import DENSE_LAYERS

# Images per forward pass when computing features of many images.
FEATURE_BATCH_SIZE = 500
# MNIST training digits whose features stand for "MNIST's style" (picked at random with REFERENCE_SEED).
REFERENCE_IMAGES = 1000
REFERENCE_SEED = 0
# The vote: similarities are divided by TEMPERATURE before the softmax over the person's drawings, so the
# closest drawings count most.
TEMPERATURE = 0.02
# Added to each similarity to one of the person's drawings, in the vote and in the margin below: a digit as close
# to the person's drawing of a 1 as to an MNIST 7 is more likely the person's 1. Chosen by leaving each held-out
# pendigits writer out in turn (benchmarks/bench_personal.py --choose-bonus; its picks are a make bench row).
SAME_HAND_BONUS = 0.06
# The vote's share of the mix, from the margin (similarity to the closest drawing of the person, plus
# SAME_HAND_BONUS, minus that to the closest MNIST reference digit): 0 below GATE_START, rising linearly to
# MAX_VOTE_SHARE at GATE_FULL. Chosen on the pendigits writers (benchmarks/bench_personal.py).
GATE_START = -0.10
GATE_FULL = 0.05
# The vote's largest share: the network keeps 30%, so one odd drawing cannot overrule it when it is sure.
MAX_VOTE_SHARE = 0.7


@dataclass(frozen=True)
class PersonalAdapter:
    """The person's drawings as unit-length feature vectors with their labels."""

    features: np.ndarray   # (n, features) float32, each row of length 1
    labels: np.ndarray     # (n,) int
    counts: tuple          # drawings per digit 0-9
    reference: np.ndarray  # (REFERENCE_IMAGES, features) unit-length features of MNIST training digits
    reference_labels: np.ndarray  # (REFERENCE_IMAGES,) their labels

    @property
    def size(self) -> int:
        """How many drawings the adapter learnt from."""
        return int(len(self.labels))


def find_readout_layer(model: keras.Model) -> keras.layers.Dense:
    """The model's final Dense layer (the read-out whose input are the last hidden features)."""
    layer = model.layers[-1]
    if not isinstance(layer, DENSE_LAYERS):
        raise ValueError(f"The model {model.name!r} does not end in a Dense layer, so it cannot be personalised.")
    return layer


def make_feature_function(model: keras.Model):
    """A compiled function batch -> (last hidden features (batch, d), probabilities (batch, 10))."""
    find_readout_layer(model)
    model_reference = weakref.ref(model)  # held weakly, so that the model can be freed

    @tf.function(reduce_retracing=True, autograph=False)
    def compute(batch):
        outputs, _ = run_hidden_layers(model_reference(), batch)
        features = tf.reshape(outputs, (tf.shape(outputs)[0], -1))  # (batch, d)
        return features, model_reference().layers[-1](features, training=False)  # (batch, 10)

    return compute


def compute_features(model: keras.Model, images: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Features (n, d) and probabilities (n, 10) of uint8 images (n, 28, 28) or floats (n, 28, 28[, 1])."""
    inputs = to_model_batch(images)  # (n, 28, 28, 1)
    compute = get_compiled(model, "features", make_feature_function)
    features, probabilities = [], []
    for start in range(0, len(inputs), FEATURE_BATCH_SIZE):
        batch_features, batch_probabilities = compute(tf.constant(inputs[start:start + FEATURE_BATCH_SIZE]))
        features.append(batch_features.numpy())
        probabilities.append(batch_probabilities.numpy())
    if not features:
        return np.zeros((0, 0), np.float32), np.zeros((0, NUM_CLASSES), np.float32)
    return np.concatenate(features), np.concatenate(probabilities)


def normalise_rows(features: np.ndarray) -> np.ndarray:
    """Each row scaled to length 1 (rows of zeros stay zeros)."""
    lengths = np.linalg.norm(features, axis=1, keepdims=True)
    return (features / np.maximum(lengths, 1e-12)).astype(np.float32)


def compute_reference(model: keras.Model, mnist_images: np.ndarray,
                      mnist_labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Unit-length features (REFERENCE_IMAGES, d) and labels of a fixed random sample of MNIST training images."""
    rng = np.random.default_rng(REFERENCE_SEED)
    picked = rng.choice(len(mnist_images), min(REFERENCE_IMAGES, len(mnist_images)), replace=False)
    features, _ = compute_features(model, mnist_images[picked])
    return normalise_rows(features), np.asarray(mnist_labels)[picked].astype(int)


def build_adapter(model: keras.Model, images: np.ndarray, labels: np.ndarray,
                  reference: tuple[np.ndarray, np.ndarray]) -> PersonalAdapter:
    """The adapter of labelled drawings (uint8 (n, 28, 28) or floats in [0, 1]) and compute_reference's result."""
    labels = np.asarray(labels).reshape(-1)
    if len(images) != len(labels):
        raise ValueError(f"{len(images)} drawings but {len(labels)} labels.")
    if len(labels) == 0:
        raise ValueError("Save at least one labelled drawing before using your drawings.")
    if labels.min() < 0 or labels.max() >= NUM_CLASSES:
        raise ValueError("Labels must be digits 0-9.")
    features, _ = compute_features(model, images)
    reference, reference_labels = reference
    if reference.ndim != 2 or reference.shape[1] != features.shape[1]:
        raise ValueError(f"The MNIST reference features {reference.shape} do not belong to this model "
                         f"({features.shape[1]} features).")
    counts = tuple(int(count) for count in np.bincount(labels.astype(int), minlength=NUM_CLASSES))
    return PersonalAdapter(normalise_rows(features), labels.astype(int), counts, reference, reference_labels)


def combine_with_vote(adapter: PersonalAdapter, features: np.ndarray, probabilities: np.ndarray,
                      same_hand_bonus: float = SAME_HAND_BONUS) -> np.ndarray:
    """The network's probabilities (n, 10) mixed with the vote of the most similar drawings and MNIST digits."""
    queries = normalise_rows(features)  # (n, d)
    similarities = queries @ adapter.features.T + same_hand_bonus  # (n, drawings)
    reference_similarities = queries @ adapter.reference.T  # (n, REFERENCE_IMAGES)
    voters = np.concatenate([similarities, reference_similarities], axis=1)  # (n, drawings + references)
    weights = np.exp((voters - voters.max(axis=1, keepdims=True)) / TEMPERATURE)
    vote = np.zeros((len(features), NUM_CLASSES))
    np.add.at(vote.T, np.concatenate([adapter.labels, adapter.reference_labels]), weights.T)  # sums per label
    vote /= vote.sum(axis=1, keepdims=True)
    margin = similarities.max(axis=1) - reference_similarities.max(axis=1)  # (n,)
    share = MAX_VOTE_SHARE * np.clip((margin - GATE_START) / (GATE_FULL - GATE_START), 0.0, 1.0)  # (n,)
    share[~np.any(queries, axis=1)] = 0.0  # no features at all (a drawing far from any digit): nothing to compare
    share = share[:, np.newaxis]  # (n, 1)
    return (1.0 - share) * probabilities + share * vote  # (n, 10), rows sum to 1


def predict_personal(model: keras.Model, adapter: PersonalAdapter, images: np.ndarray) -> np.ndarray:
    """Adapted probabilities (n, 10) for uint8 images (n, 28, 28) or floats in [0, 1]."""
    features, probabilities = compute_features(model, images)
    return combine_with_vote(adapter, features, probabilities.astype(np.float64))


def classify_personal(model: keras.Model, adapter: PersonalAdapter, model_input: np.ndarray) -> Classification:
    """Classify one (28, 28) input in [0, 1] with the person's drawings taken into account."""
    compute = get_compiled(model, "features", make_feature_function)
    features, probabilities = compute(tf.constant(to_image_batch(model_input)))
    adapted = combine_with_vote(adapter, features.numpy(), probabilities.numpy().astype(np.float64))[0]  # (10,)
    return build_classification(adapted, digit_score=0.0)  # the verdict is the plain model's
