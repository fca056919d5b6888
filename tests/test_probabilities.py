"""Tests of mnist_cnn.plots.probabilities: the one probability chart."""

import json

import numpy as np
import pytest

from mnist_cnn.plots.probabilities import make_probability_spec


def test_spec_carries_the_probabilities_and_highlights_prediction_and_true_digit():
    probabilities = np.array([0.05, 0.7, 0.05, 0.2, 0, 0, 0, 0, 0, 0])
    spec = make_probability_spec(probabilities, true_digit=3, height=150)
    assert spec["height"] == 150
    calculations = [step["calculate"] for step in spec["transform"]]
    assert calculations[0].startswith("[0.05,0.7,0.05,0.2,0,")
    assert "datum.digit === 1 ? 'prediction'" in calculations[1]
    assert "datum.digit === 3 ? 'true digit'" in calculations[1]
    assert "datum.digit === -1" in make_probability_spec(probabilities)["transform"][1]["calculate"]
    json.dumps(spec)  # plain data: Streamlit sends it as it is


def test_anything_but_ten_probabilities_is_refused():
    with pytest.raises(ValueError, match="10 probabilities"):
        make_probability_spec(np.ones(9) / 9)
