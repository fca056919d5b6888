"""Tests for the architecture registry: every network builds, runs a batch, and has named layers."""

import numpy as np
import pytest

from mnist_cnn.model.architectures import ARCHITECTURES, DEFAULT_ARCHITECTURE, build_model


@pytest.mark.parametrize("name", list(ARCHITECTURES))
def test_every_architecture_builds_and_runs_one_batch(name, random_images):
    model = build_model(name)
    probabilities = np.asarray(model(random_images, training=False))
    assert model.input_shape == (None, 28, 28, 1)
    assert probabilities.shape == (8, 10)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)
    assert model.layers[-1].name == "probabilities"
    assert len({layer.name for layer in model.layers}) == len(model.layers)
    assert ARCHITECTURES[name].description


def test_keras_example_has_the_documented_parameter_count():
    assert build_model("keras_example").count_params() == 34_826


def test_the_default_architecture_is_registered():
    assert DEFAULT_ARCHITECTURE in ARCHITECTURES


def test_unknown_architecture_is_a_value_error():
    with pytest.raises(ValueError, match="Unknown architecture"):
        build_model("model1")
