"""Tests of mnist_cnn.model.forward: one cache of compiled forward passes per model."""

import gc
import weakref

import keras
import numpy as np
import tensorflow as tf

from mnist_cnn.evaluation.metrics import compute_probabilities
from mnist_cnn.model.forward import (COMPILED_FUNCTIONS, compute_hidden_and_scores, compute_logits, get_compiled,
                                     get_forward_function, run_hidden_layers)


def test_forward_function_is_traced_once_per_model(tiny_trained_model):
    first = get_forward_function(tiny_trained_model)
    assert get_forward_function(tiny_trained_model) is first
    compute_probabilities(tiny_trained_model, np.zeros((5, 28, 28), np.uint8))
    compute_probabilities(tiny_trained_model, np.zeros((9, 28, 28), np.uint8))
    assert first.experimental_get_tracing_count() == 1


def test_each_kind_is_built_once_and_dropped_with_its_model():
    class Model:
        """A stand-in model: the cache only needs an object it can hold weakly."""

    model, calls = Model(), []
    for _ in range(3):
        assert get_compiled(model, "kind", lambda model: calls.append(1) or len(calls)) == 1
    assert get_compiled(model, ("other", 2), lambda model: "other") == "other"
    assert calls == [1]
    reference = weakref.ref(model)
    del model
    gc.collect()
    assert reference() is None and all(key is not None for key in COMPILED_FUNCTIONS.keys())


def test_the_shared_pass_gives_the_last_hidden_layer_the_watched_layer_and_the_logits(tiny_trained_model,
                                                                                     random_images):
    model = tiny_trained_model
    batch = tf.constant(random_images)  # (8, 28, 28, 1)
    watched_layer = model.layers[0]
    hidden, scores, watched = compute_hidden_and_scores(model, batch, watched_layer)
    hidden_model = keras.Model(model.inputs, model.layers[-1].input)
    watched_model = keras.Model(model.inputs, watched_layer.output)
    np.testing.assert_allclose(hidden, hidden_model(batch, training=False), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(watched, watched_model(batch, training=False), rtol=1e-5, atol=1e-6)
    # The scores are the logits: their softmax is the model's output, and they are not probabilities themselves.
    np.testing.assert_allclose(tf.nn.softmax(scores), model(batch, training=False), rtol=1e-4, atol=1e-6)
    assert float(tf.reduce_max(tf.abs(tf.reduce_sum(scores, axis=1) - 1))) > 1e-3
    np.testing.assert_allclose(compute_logits(model, batch), scores, rtol=1e-6)
    assert run_hidden_layers(model, batch)[1] is None
