"""A 2-D map of test digits in any hidden layer (PCA or t-SNE), and a new digit placed on it."""

from dataclasses import dataclass

import keras
import numpy as np

from mnist_cnn.explain.choices import MAP_METHODS, PCA, TSNE  # noqa: F401 (named here too)
from mnist_cnn.explain.embedding import make_projection
from mnist_cnn.explain.feature_maps import get_activation_model, list_feature_layers
from mnist_cnn.inputs.images import to_model_batch
from mnist_cnn.model.layer_types import DENSE_LAYERS

# The map's methods (PCA, TSNE: explain/choices.py); t-SNE runs on the layer's first REDUCED_DIMENSIONS principal
# components (the usual practice, which also keeps its neighbour search fast), with this perplexity, seed and number
# of iterations (500 instead of scikit-learn's 1,000 halves its time; on 1,000 test digits 97% of each digit's 10 map
# neighbours still share its label).
REDUCED_DIMENSIONS = 50
PERPLEXITY = 30.0
SEED = 0
TSNE_ITERATIONS = 500
# A digit that t-SNE never saw is placed at the mean position of its nearest map digits (t-SNE has no transform).
PLACEMENT_NEIGHBOURS = 10
BATCH_SIZE = 500


@dataclass(frozen=True)
class MapLayer:
    """A hidden layer the map can use: the name shown, the layer whose output is read, and a description."""

    name: str
    output_layer: str
    description: str


@dataclass
class DigitMap:
    """Test digits placed in 2-D from one layer, and what is needed to place a new digit on the same map."""

    method: str
    layer: str
    points: np.ndarray       # (n, 2) map coordinates
    features: np.ndarray     # (n, k) the layer's values on its principal axes (k <= REDUCED_DIMENSIONS)
    predictions: np.ndarray  # (n,) the model's answers
    projection: np.ndarray | None  # (width, 256) random projection of a wide layer, or None
    mean: np.ndarray         # (d,) the mean the principal axes were fitted around
    axes: np.ndarray         # (k, d) principal axes
    explained: np.ndarray    # (2,) share of the variance along the first two axes


def list_map_layers(model: keras.Model) -> list[MapLayer]:
    """Every conv stage, pooling layer and hidden Dense layer of a model, input side first."""
    layers = [MapLayer(layer.name, layer.output_layer, layer.description)
              for layer in list_feature_layers(model, include_pooling=True)]
    for layer in model.layers[:-1]:
        if isinstance(layer, DENSE_LAYERS):
            layers.append(MapLayer(layer.name, layer.name, f"{layer.name} · {int(layer.units)} units"))
    return layers


def find_map_layer(model: keras.Model, name: str) -> MapLayer:
    """The map layer called `name`; ValueError when the model has none."""
    for layer in list_map_layers(model):
        if layer.name == name:
            return layer
    raise ValueError(f"This model has no hidden layer called {name!r} to map.")


def compute_layer_values(model: keras.Model, images: np.ndarray, output_layer: str):
    """((n, width) values of one layer, (n,) predicted digits) from one pass per batch (training=False)."""
    activation_model = get_activation_model(model, (output_layer, model.layers[-1].name))
    values, predictions = [], []
    for start in range(0, len(images), BATCH_SIZE):
        batch = to_model_batch(images[start:start + BATCH_SIZE])  # (batch, 28, 28, 1)
        layer_output, final = activation_model(batch, training=False)
        values.append(np.asarray(layer_output).reshape(len(batch), -1))
        predictions.append(np.argmax(np.asarray(final), axis=1))
    return np.concatenate(values).astype("float32"), np.concatenate(predictions)


def fit_principal_axes(values: np.ndarray, count: int):
    """(mean, the first `count` principal axes (k, d), each axis's share of the variance (k,))."""
    mean = values.mean(axis=0)
    _, singular_values, axes = np.linalg.svd(values - mean, full_matrices=False)
    variance = singular_values ** 2
    total = variance.sum()
    shares = variance / total if total > 0 else np.zeros_like(variance)
    return mean, axes[:count], shares[:count]


def run_tsne(features: np.ndarray) -> np.ndarray:
    """(n, 2) t-SNE coordinates of the features (scikit-learn; Barnes-Hut, PCA start, a fixed seed)."""
    from sklearn.manifold import TSNE as TSNEModel  # imported on first use: it takes a second to load
    from threadpoolctl import threadpool_limits  # installed with scikit-learn

    perplexity = min(PERPLEXITY, (len(features) - 1) / 3)  # scikit-learn needs perplexity < n
    model = TSNEModel(n_components=2, perplexity=perplexity, init="pca", random_state=SEED, learning_rate="auto",
                      max_iter=TSNE_ITERATIONS)
    with threadpool_limits(limits=1):  # on a busy server OpenMP's waiting threads cost 6x the CPU time of one
        return model.fit_transform(features.astype("float64")).astype("float32")


def build_digit_map(model: keras.Model, layer: MapLayer, images: np.ndarray, method: str = PCA) -> DigitMap:
    """The map of `images` in `layer` by PCA or t-SNE."""
    if method not in MAP_METHODS:
        raise ValueError(f"Unknown map method {method!r}; choose one of {', '.join(MAP_METHODS)}.")
    if len(images) < 5:
        raise ValueError(f"A map needs at least 5 digits, got {len(images)}.")
    values, predictions = compute_layer_values(model, images, layer.output_layer)
    projection = make_projection(values.shape[1])
    if projection is not None:
        values = values @ projection  # (n, 256): distances kept to within a few percent
    mean, axes, shares = fit_principal_axes(values, REDUCED_DIMENSIONS)
    features = (values - mean) @ axes.T  # (n, k)
    if features.shape[1] < 2:
        features = np.pad(features, ((0, 0), (0, 2 - features.shape[1])))
    points = features[:, :2].copy() if method == PCA else run_tsne(features)
    explained = np.pad(shares[:2], (0, max(0, 2 - len(shares[:2]))))
    return DigitMap(method, layer.name, points, features, predictions, projection, mean, axes, explained)


def place_by_neighbours(features: np.ndarray, points: np.ndarray, query: np.ndarray,
                        count: int = PLACEMENT_NEIGHBOURS) -> tuple[np.ndarray, np.ndarray]:
    """(the mean map position of the `count` digits nearest to query in feature space, their indices)."""
    if not 1 <= count <= len(features):
        raise ValueError(f"count must be 1–{len(features)}, got {count}")
    distances = np.linalg.norm(features - query, axis=1)
    nearest = np.argsort(distances, kind="stable")[:count]
    return points[nearest].mean(axis=0), nearest


def place_digit(model: keras.Model, digit_map: DigitMap, image: np.ndarray) -> tuple[np.ndarray, int]:
    """(the image's (2,) position on the map, its predicted digit): PCA projects it; t-SNE uses its neighbours."""
    layer = find_map_layer(model, digit_map.layer)
    values, prediction = compute_layer_values(model, np.asarray(image).reshape(1, 28, 28), layer.output_layer)
    if digit_map.projection is not None:
        values = values @ digit_map.projection
    features = ((values - digit_map.mean) @ digit_map.axes.T)[0]  # (k,)
    features = np.pad(features, (0, digit_map.features.shape[1] - len(features)))
    if digit_map.method == PCA:
        return features[:2].astype("float32"), int(prediction[0])
    position, _ = place_by_neighbours(digit_map.features, digit_map.points, features)
    return position.astype("float32"), int(prediction[0])
