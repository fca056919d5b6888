"""Fuzzing preprocess_drawing: any array gives a valid result or one documented error type, never a crash."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as strategies
from hypothesis.extra import numpy as numpy_strategies

from mnist_cnn.inputs.preprocess import PreprocessError, preprocess_drawing

DTYPES = [np.uint8, np.int16, np.int64, np.uint16, np.float32, np.float64, np.bool_]


def check_result(result) -> None:
    """A valid result: None with a message, or a 28x28 float32 in [0, 1]; steps are images."""
    if result.model_input is None:
        assert result.message
    else:
        assert result.model_input.shape == (28, 28) and result.model_input.dtype == np.float32
        assert np.isfinite(result.model_input).all()
        assert 0.0 <= result.model_input.min() and result.model_input.max() <= 1.0
    for name, image in result.steps.items():
        assert isinstance(name, str) and isinstance(image, np.ndarray) and image.size > 0


def run_safely(image) -> None:
    """preprocess_drawing either returns a valid result or raises PreprocessError, with a message."""
    try:
        result = preprocess_drawing(image)
    except PreprocessError as error:
        assert str(error)
        return
    check_result(result)


shapes = strategies.one_of(
    numpy_strategies.array_shapes(min_dims=2, max_dims=2, min_side=1, max_side=80),
    numpy_strategies.array_shapes(min_dims=3, max_dims=3, min_side=1, max_side=40),
    strategies.tuples(strategies.integers(0, 3), strategies.integers(0, 3)),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(strategies.sampled_from(DTYPES).flatmap(
    lambda dtype: numpy_strategies.arrays(dtype, shapes, elements=None if dtype != np.float64 else
                                          strategies.floats(allow_nan=True, allow_infinity=True))))
def test_random_arrays_of_odd_sizes_and_dtypes(image):
    run_safely(image)


@settings(max_examples=60, deadline=None)
@given(strategies.integers(1, 120), strategies.integers(1, 120), strategies.integers(0, 2**32 - 1))
def test_random_strokes_on_random_canvases(height, width, seed):
    rng = np.random.default_rng(seed)
    image = np.zeros((height, width, 4), np.uint8)
    image[..., 3] = 255
    rows, columns = rng.integers(0, height, 40), rng.integers(0, width, 40)
    image[rows, columns, :3] = 255
    run_safely(image)


@pytest.mark.parametrize("image", [
    np.full((28, 28), np.nan, np.float32),
    np.where(np.eye(50) > 0, np.nan, 1.0),
    np.full((300, 300), 255, np.uint8),          # all ink
    np.full((300, 300, 4), 255, np.uint8),
    np.zeros((1, 1), np.uint8),
    np.full((1, 1), 255, np.uint8),
    np.full((10000, 10), 255, np.uint8),
    np.tile(np.arange(10, dtype=np.uint8) * 25, (10000, 1)),
    np.zeros((0, 0), np.uint8),
    np.zeros((0,), np.uint8),
    np.zeros((5, 5, 2), np.uint8),
    np.zeros((4, 4, 4, 4), np.uint8),
    np.array("not an image"),
    [[0, 255], [255]],
    None,
], ids=["all-nan", "nan-diagonal", "all-ink-gray", "all-ink-rgba", "1x1-black", "1x1-white", "10000x10-ink",
        "10000x10-stripes", "0x0", "1-d", "two-channels", "4-d", "string", "ragged", "none"])
def test_documented_edge_cases(image):
    run_safely(image)
