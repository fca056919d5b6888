"""Digits as the network's last hidden layer sees them: nearest training digits and a 2-D PCA map."""

import weakref
from dataclasses import dataclass

import keras
import numpy as np
import tensorflow as tf

from mnist_cnn.model.forward import get_compiled, run_hidden_layers

# Wide last hidden layers (7,840 values in the default model) are randomly projected to this many dimensions
# for the search index (distances kept to within a few percent); the nearest CANDIDATES are then re-ranked by
# their exact distance in the full layer.
PROJECTED_DIMENSIONS = 256
CANDIDATES = 64
BATCH_SIZE = 500
PROJECTION_SEED = 0


@dataclass
class EmbeddingIndex:
    """A search index of training digits and a PCA map of test digits, in one model's last hidden layer."""

    projection: np.ndarray | None  # (layer width, PROJECTED_DIMENSIONS), or None when the layer is narrow
    bank: np.ndarray               # (training digits, dimensions) projected embeddings
    map_points: np.ndarray         # (test digits, 2) PCA coordinates
    map_labels: np.ndarray         # (test digits,)
    pca_mean: np.ndarray           # (dimensions,)
    pca_axes: np.ndarray           # (2, dimensions)
    explained: np.ndarray          # (2,) share of the variance along each map axis


def make_embedding_function(model: keras.Model):
    """A compiled batch -> (batch, width) function: the input of the model's last layer (its last hidden layer)."""
    model_reference = weakref.ref(model)
    is_sequential = isinstance(model, keras.Sequential)
    hidden_model = None if is_sequential else keras.Model(model.inputs, model.layers[-1].input)

    @tf.function(reduce_retracing=True, autograph=False)
    def embed(batch):
        if hidden_model is not None:
            return tf.reshape(hidden_model(batch, training=False), (tf.shape(batch)[0], -1))
        outputs, _ = run_hidden_layers(model_reference(), batch)
        return tf.reshape(outputs, (tf.shape(batch)[0], -1))  # (batch, width)

    return embed


def as_model_batch(images: np.ndarray) -> np.ndarray:
    """Images (n, 28, 28) as uint8 or floats in [0, 1] -> (n, 28, 28, 1) float32 in [0, 1]."""
    images = np.asarray(images)
    scale = 255.0 if images.dtype == np.uint8 else 1.0
    return (images.astype("float32") / scale).reshape(-1, 28, 28, 1)


def compute_embeddings(model: keras.Model, images: np.ndarray, projection: np.ndarray | None = None) -> np.ndarray:
    """(n, width) last-hidden-layer values of the images (times the projection, when one is given)."""
    embed = get_compiled(model, "embedding", make_embedding_function)
    parts = []
    for start in range(0, len(images), BATCH_SIZE):
        values = np.asarray(embed(tf.constant(as_model_batch(images[start:start + BATCH_SIZE]))))
        parts.append(values if projection is None else values @ projection)
    return np.concatenate(parts).astype("float32")


def make_projection(width: int) -> np.ndarray | None:
    """A fixed random Gaussian projection width -> PROJECTED_DIMENSIONS (None when the layer is narrow enough)."""
    if width <= PROJECTED_DIMENSIONS:
        return None
    rng = np.random.default_rng(PROJECTION_SEED)
    return (rng.standard_normal((width, PROJECTED_DIMENSIONS)) / np.sqrt(PROJECTED_DIMENSIONS)).astype("float32")


def fit_pca(points: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(mean, the two principal axes (2, d), their share of the variance) of a set of points."""
    mean = points.mean(axis=0)
    _, singular_values, axes = np.linalg.svd(points - mean, full_matrices=False)
    variance = singular_values ** 2
    return mean, axes[:2], variance[:2] / variance.sum()


def build_index(model: keras.Model, bank_images: np.ndarray, map_images: np.ndarray,
                map_labels: np.ndarray) -> EmbeddingIndex:
    """Embed the bank of training digits and the map's test digits, and fit the map's PCA."""
    width = compute_embeddings(model, bank_images[:1]).shape[1]
    projection = make_projection(width)
    bank = compute_embeddings(model, bank_images, projection)
    map_embeddings = compute_embeddings(model, map_images, projection)
    mean, axes, explained = fit_pca(map_embeddings)
    return EmbeddingIndex(projection, bank, (map_embeddings - mean) @ axes.T, np.asarray(map_labels), mean, axes,
                          explained)


def find_neighbours(model: keras.Model, index: EmbeddingIndex, bank_images: np.ndarray, image: np.ndarray,
                    count: int = 8) -> tuple[np.ndarray, np.ndarray]:
    """(indices into the bank, exact distances) of the `count` digits nearest to the image, nearest first."""
    if not 1 <= count <= len(index.bank):
        raise ValueError(f"count must be 1–{len(index.bank)}, got {count}")
    query = compute_embeddings(model, np.asarray(image)[np.newaxis], index.projection)[0]
    rough = np.linalg.norm(index.bank - query, axis=1)
    candidates = np.argsort(rough)[:max(count, CANDIDATES)]
    exact = np.linalg.norm(compute_embeddings(model, bank_images[candidates])
                           - compute_embeddings(model, np.asarray(image)[np.newaxis]), axis=1)
    order = np.argsort(exact, kind="stable")[:count]
    return candidates[order], exact[order]


def place_on_map(model: keras.Model, index: EmbeddingIndex, image: np.ndarray) -> np.ndarray:
    """The image's (2,) coordinates on the PCA map."""
    embedding = compute_embeddings(model, np.asarray(image)[np.newaxis], index.projection)[0]
    return (embedding - index.pca_mean) @ index.pca_axes.T
