"""Tests of mnist_cnn.model.layer_types: layer kinds found by type."""

import keras

from mnist_cnn.model.layer_types import (CONV_LAYERS, PIXELWISE_LAYERS, POOLING_LAYERS, STAGE_FOLLOWER_LAYERS,
                                         activation_name, applies_softmax, is_softmax_dense)


def test_layer_kinds_are_told_apart_by_type():
    assert isinstance(keras.layers.Conv2D(4, 3), CONV_LAYERS)
    assert isinstance(keras.layers.AveragePooling2D(2), POOLING_LAYERS)
    assert not isinstance(keras.layers.GlobalAveragePooling2D(), POOLING_LAYERS)
    assert isinstance(keras.layers.ReLU(), STAGE_FOLLOWER_LAYERS)
    assert not isinstance(keras.layers.Dropout(0.5), STAGE_FOLLOWER_LAYERS)
    assert isinstance(keras.layers.Dropout(0.5), PIXELWISE_LAYERS)
    assert not isinstance(keras.layers.Flatten(), PIXELWISE_LAYERS)


def test_softmax_is_found_as_a_layer_or_an_activation():
    assert activation_name(keras.layers.Dense(10)) is None
    assert activation_name(keras.layers.Conv2D(4, 3, activation="relu")) == "relu"
    assert is_softmax_dense(keras.layers.Dense(10, activation="softmax"))
    assert not is_softmax_dense(keras.layers.Softmax())
    assert applies_softmax(keras.layers.Softmax()) and applies_softmax(keras.layers.Dense(10, activation="softmax"))
    assert not applies_softmax(keras.layers.Dense(10, activation="relu"))
