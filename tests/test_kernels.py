"""Kernel access: weights, biases, batch-norm parameters, kernel selection and statistics."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

from mnist_cnn.explain.kernels import (MEAN_ABSOLUTE, list_conv_layers, read_conv_weights, select_kernels,
                                       summarize_weights)
from mnist_cnn.model.architectures import ARCHITECTURES, build_model
from mnist_cnn.plots.network import make_channel_values_chart, make_kernel_grid, make_outlined_digits_figure


@pytest.mark.parametrize("name", list(ARCHITECTURES))
def test_every_conv_layer_of_every_architecture_can_be_read(name):
    model = build_model(name)
    layers = list_conv_layers(model)
    assert layers
    previous_channels = 1
    for layer in layers:
        weights = read_conv_weights(model, layer.name)
        assert weights.kernel.shape == (*layer.kernel_size, previous_channels, layer.filters)
        previous_channels = layer.filters
        if layer.use_bias:
            assert weights.bias.shape == (layer.filters,)
        else:
            assert weights.bias is None


def test_batchnorm_model_has_no_bias_but_gamma_and_beta():
    model = build_model("batchnorm_cnn")
    weights = read_conv_weights(model, "conv2")
    assert weights.bias is None
    assert weights.batchnorm_name == "conv2_bn"
    assert weights.gamma.shape == weights.beta.shape == (32,)
    np.testing.assert_array_equal(weights.gamma, 1.0)  # keras initialises γ to ones


def test_plain_conv_layer_has_its_bias_and_no_batchnorm(tiny_trained_model):
    weights = read_conv_weights(tiny_trained_model, "conv1")
    np.testing.assert_array_equal(weights.bias, tiny_trained_model.get_layer("conv1").get_weights()[1])
    assert weights.batchnorm_name is None and weights.gamma is None


def test_reading_a_non_conv_layer_is_a_value_error():
    with pytest.raises(ValueError, match="not a convolution"):
        read_conv_weights(build_model("keras_example"), "probabilities")


def test_select_kernels_for_one_input_channel_or_the_mean_absolute():
    kernel = np.random.default_rng(0).normal(size=(3, 3, 4, 5))
    np.testing.assert_array_equal(select_kernels(kernel, 2), kernel[:, :, 2, :])
    np.testing.assert_allclose(select_kernels(kernel, MEAN_ABSOLUTE), np.abs(kernel).mean(axis=2))
    for bad in (4, -1, "x"):
        with pytest.raises(ValueError):
            select_kernels(kernel, bad)


def test_summarize_weights_matches_numpy():
    values = np.array([[-2.0, 1.0], [0.5, 3.0]])
    stats = summarize_weights(values)
    assert stats["count"] == 4
    assert stats["mean"] == pytest.approx(0.625)
    assert stats["std"] == pytest.approx(values.std())
    assert (stats["min"], stats["max"]) == (-2.0, 3.0)
    assert stats["L2 norm"] == pytest.approx(np.sqrt(4 + 1 + 0.25 + 9))
    with pytest.raises(ValueError):
        summarize_weights(np.array([]))


def test_kernel_grid_is_diverging_and_centred_at_zero():
    kernels = np.random.default_rng(0).normal(size=(3, 3, 10))
    figure = make_kernel_grid(kernels, "conv1")
    try:
        colour_bar = figure.axes[-1]
        low, high = colour_bar.get_ylim()
        assert low == pytest.approx(-high)
        assert low == pytest.approx(-np.abs(kernels).max())
        mosaic = figure.axes[0]
        assert len(mosaic.texts) == 10 + 10 * 9  # a number over each kernel and every weight written in
    finally:
        plt.close(figure)


def test_kernel_grid_without_annotations_writes_only_channel_numbers():
    figure = make_kernel_grid(np.abs(np.random.default_rng(0).normal(size=(3, 3, 64))), "mean", annotate=False,
                              diverging=False)
    try:
        assert len(figure.axes[0].texts) == 64
        assert figure.axes[-1].get_ylim()[0] == pytest.approx(0.0)  # a sequential scale from zero
    finally:
        plt.close(figure)


def test_channel_values_chart_has_one_bar_per_channel():
    chart = make_channel_values_chart(np.array([0.5, -0.2, 0.0]), "bias", "bias")
    assert len(chart.data) == 3
    assert list(chart.data["sign"]) == ["positive", "negative", "positive"]


def test_the_strongest_digits_figure_outlines_each_digits_patch():
    from types import SimpleNamespace

    fields = [SimpleNamespace(top=2, left=3, height=5, width=4), SimpleNamespace(top=0, left=0, height=28, width=28)]
    figure = make_outlined_digits_figure(np.zeros((2, 28, 28), np.uint8), ["a", "b"], fields, columns=2)
    outlines = [axis.patches[0] for axis in figure.axes[:2]]
    assert [(outline.get_x(), outline.get_y(), outline.get_width(), outline.get_height()) for outline in outlines] \
        == [(2.5, 1.5, 4, 5), (-0.5, -0.5, 28, 28)]
    plt.close(figure)
