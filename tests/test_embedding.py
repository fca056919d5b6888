"""Neighbours in the last hidden layer equal a brute-force search; the PCA map places digits where they belong."""

import numpy as np
import pytest

from mnist_cnn.explain.embedding import build_index, compute_embeddings, find_neighbours, place_on_map


@pytest.fixture(scope="module")
def index_and_data(tiny_trained_model, mnist):
    (x_train, y_train), (x_test, y_test) = mnist
    bank_images, bank_labels = x_train[2000:3500], y_train[2000:3500]  # digits the tiny model never saw
    index = build_index(tiny_trained_model, bank_images, x_test[:600], y_test[:600])
    return index, bank_images, bank_labels, x_test, y_test


def test_neighbours_equal_brute_force_search_in_the_full_layer(tiny_trained_model, index_and_data):
    index, bank_images, bank_labels, x_test, y_test = index_and_data
    assert index.projection is not None and index.bank.shape == (1500, 256)  # 1,600 wide: projected
    full_bank = compute_embeddings(tiny_trained_model, bank_images)
    same_label = 0
    for query_index in range(5):
        query = x_test[1000 + query_index]
        neighbours, distances = find_neighbours(tiny_trained_model, index, bank_images, query, count=8)
        exact = np.linalg.norm(full_bank - compute_embeddings(tiny_trained_model, query[np.newaxis]), axis=1)
        np.testing.assert_array_equal(neighbours, np.argsort(exact, kind="stable")[:8])
        np.testing.assert_allclose(distances, np.sort(exact)[:8], rtol=1e-4)
        same_label += int(np.sum(bank_labels[neighbours] == y_test[1000 + query_index]))
    assert same_label >= 30  # of 40: neighbours in this layer mostly share the digit


def test_a_bank_digit_is_its_own_nearest_neighbour(tiny_trained_model, index_and_data):
    index, bank_images, _, _, _ = index_and_data
    neighbours, distances = find_neighbours(tiny_trained_model, index, bank_images, bank_images[42], count=3)
    assert neighbours[0] == 42 and distances[0] == pytest.approx(0.0, abs=1e-3)
    with pytest.raises(ValueError):
        find_neighbours(tiny_trained_model, index, bank_images, bank_images[0], count=0)


def test_pca_map_axes_and_placement(tiny_trained_model, index_and_data):
    index, _, _, x_test, _ = index_and_data
    assert index.map_points.shape == (600, 2)
    assert index.explained[0] >= index.explained[1] > 0 and index.explained.sum() <= 1
    np.testing.assert_allclose(index.map_points.mean(axis=0), 0, atol=1e-3)
    np.testing.assert_allclose(place_on_map(tiny_trained_model, index, x_test[7]), index.map_points[7], atol=1e-3)
    centres = np.array([index.map_points[index.map_labels == digit].mean(axis=0) for digit in range(10)])
    spread = np.linalg.norm(index.map_points - index.map_points.mean(axis=0), axis=1).mean()
    assert np.linalg.norm(centres[0] - centres[1]) > 0.5 * spread  # classes sit apart on the map
