"""Tests of mnist_cnn.model.forward: one cache of compiled forward passes per model."""

import gc
import weakref

import numpy as np

from mnist_cnn.evaluation.metrics import compute_probabilities
from mnist_cnn.model.forward import COMPILED_FUNCTIONS, get_compiled, get_forward_function


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
