"""The hand-set convolution: Keras Conv2D equals OpenCV's correlation, and one output pixel adds up."""

import cv2
import matplotlib.pyplot as plt
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as strategies

from mnist_cnn.explain.convolution import (KERNEL_PRESETS, apply_kernels, compute_gradient_magnitude,
                                           explain_output_pixel, format_sum_equation, make_convolution_layer)
from mnist_cnn.plots.network import make_convolution_figure, make_window_figure, make_worked_example_figure


def correlate_with_opencv(image: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """Cross-correlation with zero padding, by OpenCV (filter2D does not flip the kernel)."""
    return cv2.filter2D(image.astype("float32"), -1, kernel.astype("float32"), borderType=cv2.BORDER_CONSTANT)


def correlate_with_numpy(image: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """Cross-correlation with zero padding, with plain loops over the 3x3 offsets."""
    padded = np.pad(image.astype("float64"), 1)
    height, width = image.shape
    return sum(kernel[u, v] * padded[u:u + height, v:v + width] for u in range(3) for v in range(3))


def test_presets_are_the_six_3x3_kernels():
    assert set(KERNEL_PRESETS) == {"Sobel X", "Sobel Y", "Laplacian", "Box blur", "Sharpen", "Identity"}
    assert all(kernel.shape == (3, 3) for kernel in KERNEL_PRESETS.values())
    np.testing.assert_array_equal(KERNEL_PRESETS["Sobel Y"], KERNEL_PRESETS["Sobel X"].T)


def test_sobel_layer_equals_opencv_and_numpy_on_a_test_digit(mnist):
    _, (x_test, _) = mnist
    image = x_test[0].astype("float32") / 255.0
    sobel = [KERNEL_PRESETS["Sobel X"], KERNEL_PRESETS["Sobel Y"]]
    outputs = apply_kernels(image, sobel)
    assert outputs.shape == (28, 28, 2)
    for channel, kernel in enumerate(sobel):
        np.testing.assert_allclose(outputs[..., channel], correlate_with_opencv(image, kernel), atol=1e-5)
        np.testing.assert_allclose(outputs[..., channel], correlate_with_numpy(image, kernel), atol=1e-5)


def test_the_layer_is_a_keras_conv2d_with_the_kernels_as_weights():
    layer = make_convolution_layer([KERNEL_PRESETS["Sobel X"], KERNEL_PRESETS["Laplacian"]])
    assert type(layer).__name__ == "Conv2D" and layer.padding == "same" and not layer.use_bias
    kernel = layer.get_weights()[0]
    assert kernel.shape == (3, 3, 1, 2)
    np.testing.assert_array_equal(kernel[:, :, 0, 1], KERNEL_PRESETS["Laplacian"])


def test_identity_kernel_returns_the_image(random_images):
    image = random_images[0, :, :, 0]
    np.testing.assert_allclose(apply_kernels(image, [KERNEL_PRESETS["Identity"]])[..., 0], image, atol=1e-6)


@settings(max_examples=25, deadline=None)
@given(row=strategies.integers(0, 27), col=strategies.integers(0, 27),
       preset=strategies.sampled_from(sorted(KERNEL_PRESETS)))
def test_window_times_kernel_sums_to_the_output_pixel(row, col, preset):
    image = np.random.default_rng(row * 28 + col).random((28, 28), dtype=np.float32)
    kernel = KERNEL_PRESETS[preset]
    explanation = explain_output_pixel(image, kernel, row, col)
    np.testing.assert_allclose(explanation.products, explanation.window * kernel)
    assert explanation.total == pytest.approx(float(explanation.products.sum()))
    expected = correlate_with_opencv(image, kernel)[row, col]
    assert explanation.total == pytest.approx(float(expected), abs=1e-5)


def test_window_at_the_corner_is_zero_padded():
    image = np.ones((28, 28), "float32")
    explanation = explain_output_pixel(image, KERNEL_PRESETS["Box blur"], 0, 0)
    np.testing.assert_array_equal(explanation.window, [[0, 0, 0], [0, 1, 1], [0, 1, 1]])
    assert explanation.total == pytest.approx(4 / 9)
    keras_output = apply_kernels(image, [KERNEL_PRESETS["Box blur"]])[0, 0, 0]
    assert keras_output == pytest.approx(explanation.total, abs=1e-6)


def test_bad_kernels_images_and_pixels_are_value_errors():
    image = np.zeros((28, 28), "float32")
    with pytest.raises(ValueError, match="3×3"):
        apply_kernels(image, [np.ones((2, 2))])
    with pytest.raises(ValueError, match="finite"):
        apply_kernels(image, [np.full((3, 3), np.nan)])
    with pytest.raises(ValueError):
        apply_kernels(image, [])
    with pytest.raises(ValueError, match="outside"):
        explain_output_pixel(image, KERNEL_PRESETS["Identity"], 28, 0)
    with pytest.raises(ValueError, match="grey image"):
        apply_kernels(np.zeros((2, 28, 28)), [KERNEL_PRESETS["Identity"]])


def test_gradient_magnitude_is_the_hypotenuse():
    np.testing.assert_allclose(compute_gradient_magnitude(np.array([3.0, 0.0]), np.array([4.0, -2.0])), [5.0, 2.0])


def test_sum_equation_lists_nine_products_and_the_total():
    image = np.random.default_rng(1).random((28, 28), dtype=np.float32)
    explanation = explain_output_pixel(image, KERNEL_PRESETS["Sobel X"], 5, 7)
    equation = format_sum_equation(explanation)
    assert equation.count(r"\cdot") == 9
    assert equation.startswith(r"\begin{aligned} y_{5,7}")
    assert f"{explanation.total:.4f}" in equation


def test_convolution_figures_build_and_close():
    image = np.random.default_rng(2).random((28, 28), dtype=np.float32)
    output = apply_kernels(image, [KERNEL_PRESETS["Sobel X"]])[..., 0]
    explanation = explain_output_pixel(image, KERNEL_PRESETS["Sobel X"], 3, 4)
    figures = [make_convolution_figure([("in", image, "image"), ("x", output, "signed"),
                                        ("m", np.abs(output), "magnitude")]),
               make_window_figure(image, output, 3, 4),
               make_worked_example_figure(explanation.window, explanation.kernel, explanation.products,
                                          explanation.total)]
    try:
        signed_image = figures[0].axes[1].images[0]
        low, high = signed_image.get_clim()
        assert low == pytest.approx(-high)  # zero sits in the middle of the map: mid-grey
        assert len(figures[2].axes[2].texts) == 9
    finally:
        for figure in figures:
            plt.close(figure)
