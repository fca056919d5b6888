"""Receptive fields of known stacks, and the field equals where the input gradient of a linear network is non-zero."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from mnist_cnn.explain.receptive_field import compute_padding_before, compute_receptive_field, list_spatial_steps
from mnist_cnn.model.architectures import build_model


def build_stack(*layers) -> keras.Model:
    return keras.Sequential([keras.Input(shape=(28, 28, 1)), *layers])


def test_two_3x3_convs_see_5x5():
    model = build_stack(keras.layers.Conv2D(2, 3, name="a"), keras.layers.Conv2D(2, 3, name="b"))
    field = compute_receptive_field(list_spatial_steps(model), "b", 10, 7)
    assert (field.height, field.width) == (5, 5) == field.full_size
    assert (field.top, field.left) == (10, 7)  # 'valid': output (i, j) starts at input (i, j)


def test_stride_2_conv_then_3x3_conv_sees_7x7_with_a_jump_of_2():
    model = build_stack(keras.layers.Conv2D(2, 3, strides=2, name="a"), keras.layers.Conv2D(2, 3, name="b"))
    steps = list_spatial_steps(model)
    assert steps[0].output_size == (13, 13) and steps[1].output_size == (11, 11)
    first, next_one = (compute_receptive_field(steps, "b", 4, col) for col in (4, 5))
    assert first.full_size == (7, 7)
    assert (first.top, first.left) == (8, 8) and next_one.left == first.left + 2


def test_same_padding_and_pooling_in_the_keras_example_and_clipping_at_the_border():
    steps = list_spatial_steps(build_model("keras_example"))
    assert [step.name for step in steps] == ["conv1", "pool1", "conv2", "pool2"]
    field = compute_receptive_field(steps, "pool2", 0, 0)
    assert field.full_size == (10, 10)  # 3 → 4 (pool) → 8 (conv at jump 2) → 10 (pool at jump 4)
    assert (field.top, field.left, field.bottom, field.right) == (0, 0, 9, 9)
    same = build_stack(keras.layers.Conv2D(1, 3, padding="same", name="a"))
    corner = compute_receptive_field(list_spatial_steps(same), "a", 0, 0)
    assert corner.full_size == (3, 3) and (corner.height, corner.width) == (2, 2)  # the padding is cut off


def test_padding_before_matches_tensorflow_same_rule():
    assert compute_padding_before(28, 3, 1, "same") == 1
    assert compute_padding_before(28, 3, 2, "same") == 0  # total padding 1 goes after the image
    assert compute_padding_before(28, 5, 1, "same") == 2
    assert compute_padding_before(28, 3, 1, "valid") == 0


@pytest.mark.parametrize("layer_name", ["conv2", "pool", "conv3"])
def test_field_equals_the_support_of_the_input_gradient(layer_name):
    model = build_stack(keras.layers.Conv2D(2, 3, padding="same", name="conv1"),
                        keras.layers.Conv2D(2, 3, strides=2, padding="same", name="conv2"),
                        keras.layers.AveragePooling2D(2, name="pool"),
                        keras.layers.Conv2D(2, 5, padding="valid", name="conv3"))
    for layer in model.layers:  # all-positive weights: no cancellation, the gradient is non-zero on the field
        layer.set_weights([np.abs(weight) + 0.1 for weight in layer.get_weights()])
    truncated = keras.Model(model.inputs, model.get_layer(layer_name).output)
    row, col = 1, 2
    image = tf.ones((1, 28, 28, 1))
    with tf.GradientTape() as tape:
        tape.watch(image)
        value = truncated(image)[0, row, col, 0]
    support = np.argwhere(tape.gradient(value, image).numpy()[0, :, :, 0] != 0)
    field = compute_receptive_field(list_spatial_steps(model), layer_name, row, col)
    assert (support[:, 0].min(), support[:, 0].max()) == (field.top, field.bottom)
    assert (support[:, 1].min(), support[:, 1].max()) == (field.left, field.right)


def test_bad_layer_or_pixel_raises_value_error():
    steps = list_spatial_steps(build_model("keras_example"))
    with pytest.raises(ValueError):
        compute_receptive_field(steps, "dense", 0, 0)
    with pytest.raises(ValueError):
        compute_receptive_field(steps, "pool2", 5, 0)


def test_a_functional_model_is_traced_like_a_sequential_one():
    inputs = keras.Input((28, 28, 1))
    outputs = keras.layers.Conv2D(2, 3, name="a")(inputs)
    outputs = keras.layers.Conv2D(2, 3, name="b")(keras.layers.MaxPooling2D(name="pool")(outputs))
    model = keras.Model(inputs, keras.layers.Dense(10)(keras.layers.Flatten()(outputs)))
    steps = list_spatial_steps(model)
    assert [step.name for step in steps] == ["a", "pool", "b"]
    assert compute_receptive_field(steps, "b", 0, 0).full_size == (8, 8)
