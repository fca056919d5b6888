"""Step-by-step operations equal TensorFlow's own: strided/padded convolution, ReLU, max pooling, softmax."""

import numpy as np
import pytest
import tensorflow as tf

from mnist_cnn.explain.step_by_step import (apply_relu, compute_output_size, compute_softmax_steps, correlate,
                                            explain_window, max_pool, read_logits)
from mnist_cnn.model.inference import classify


def correlate_with_tensorflow(image, kernel, padding, stride):
    """tf.nn.conv2d with explicit zero padding: the trusted reference."""
    batch = tf.constant(image[np.newaxis, :, :, np.newaxis], tf.float32)
    filters = tf.constant(kernel[:, :, np.newaxis, np.newaxis], tf.float32)
    pads = [[0, 0], [padding, padding], [padding, padding], [0, 0]]
    return tf.nn.conv2d(batch, filters, strides=stride, padding=pads).numpy()[0, :, :, 0]


@pytest.mark.parametrize("padding", [0, 1, 2])
@pytest.mark.parametrize("stride", [1, 2, 3])
@pytest.mark.parametrize("kernel_size", [2, 3, 5])
def test_correlation_equals_tf_conv2d_and_the_size_formula(padding, stride, kernel_size):
    rng = np.random.default_rng(kernel_size * 10 + stride + padding)
    image = rng.random((9, 11)).astype("float32")
    kernel = rng.normal(size=(kernel_size, kernel_size)).astype("float32")
    output = correlate(image, kernel, padding, stride)
    np.testing.assert_allclose(output, correlate_with_tensorflow(image, kernel, padding, stride), atol=1e-5)
    assert output.shape == (compute_output_size(9, kernel_size, padding, stride),
                            compute_output_size(11, kernel_size, padding, stride))


def test_output_size_formula_on_known_cases():
    assert compute_output_size(28, 3, 0, 1) == 26   # keras example's conv1
    assert compute_output_size(28, 3, 1, 1) == 28   # 'same'
    assert compute_output_size(28, 3, 1, 2) == 14   # a stride-2 'same' conv
    assert compute_output_size(5, 3, 0, 2) == 2
    with pytest.raises(ValueError):
        compute_output_size(2, 5, 1, 1)
    with pytest.raises(ValueError):
        compute_output_size(28, 3, 0, 0)


def test_one_window_adds_up_to_its_output_pixel():
    rng = np.random.default_rng(1)
    image, kernel = rng.random((7, 7)).astype("float32"), rng.normal(size=(3, 3)).astype("float32")
    output = correlate(image, kernel, padding=1, stride=2)
    for row in range(output.shape[0]):
        for col in range(output.shape[1]):
            explanation = explain_window(image, kernel, 1, 2, row, col)
            assert explanation.total == pytest.approx(float(output[row, col]), abs=1e-5)
            assert (explanation.top, explanation.left) == (2 * row, 2 * col)
    corner = explain_window(image, kernel, 1, 2, 0, 0)
    assert np.all(corner.window[0] == 0) and np.all(corner.window[:, 0] == 0)  # the zero padding
    with pytest.raises(ValueError):
        explain_window(image, kernel, 1, 2, 4, 0)


def test_relu_and_max_pool_equal_tensorflow():
    values = np.random.default_rng(2).normal(size=(7, 9)).astype("float32")
    np.testing.assert_array_equal(apply_relu(values), tf.nn.relu(values).numpy())
    reference = tf.nn.max_pool2d(values[np.newaxis, :, :, np.newaxis], 2, 2, "VALID").numpy()[0, :, :, 0]
    np.testing.assert_array_equal(max_pool(values), reference)
    assert max_pool(values).shape == (3, 4)


def test_softmax_steps_equal_tf_softmax_even_for_large_logits():
    logits = np.array([1000.0, 999.0, -5.0, 0.0])
    steps = compute_softmax_steps(logits)
    np.testing.assert_allclose(steps.probabilities, tf.nn.softmax(logits).numpy(), rtol=1e-9)
    assert steps.shifted.max() == 0 and steps.total == pytest.approx(steps.exponentials.sum())


def test_softmax_of_the_models_logits_is_its_output(tiny_trained_model, mnist):
    _, (x_test, _) = mnist
    image = x_test[0].astype("float32") / 255.0
    logits = read_logits(tiny_trained_model, image)
    np.testing.assert_allclose(compute_softmax_steps(logits).probabilities,
                               classify(tiny_trained_model, image).probabilities, atol=1e-5)
