"""The one cache of compiled forward passes: functions built once per model (and kind), dropped with the model."""

import threading
import weakref

import keras
import tensorflow as tf

from mnist_cnn.model.layer_types import is_softmax_dense

# Probabilities are clipped at this floor before the log when a model's logits cannot be read.
PROBABILITY_FLOOR = 1e-12

# model -> {kind: compiled function or derived object}; weak keys, so a model that is no longer used is freed.
COMPILED_FUNCTIONS: "weakref.WeakKeyDictionary[keras.Model, dict]" = weakref.WeakKeyDictionary()
CACHE_LOCK = threading.Lock()


def get_compiled(model: keras.Model, kind, make_function):
    """make_function(model), built once per model and kind (tf.function: ~10x faster than eager here)."""
    with CACHE_LOCK:
        functions = COMPILED_FUNCTIONS.setdefault(model, {})
        if kind in functions:
            return functions[kind]
    made = make_function(model)  # built outside the lock: one slow build does not hold up other models
    with CACHE_LOCK:
        return functions.setdefault(kind, made)  # if two threads built it at once, both get the first


def make_forward_function(model: keras.Model):
    """model(batch, training=False) as a tf.function with a fixed input signature (holding the model weakly)."""
    signature = [tf.TensorSpec((None, *model.input_shape[1:]), tf.float32)]  # (batch, 28, 28, 1)
    model_reference = weakref.ref(model)  # a strong reference here would keep the model alive forever

    @tf.function(input_signature=signature, autograph=False)
    def forward(batch):
        return model_reference()(batch, training=False)  # (batch, 10)

    return forward


def get_forward_function(model: keras.Model):
    """The model's compiled forward pass, traced once per model whatever the batch size."""
    return get_compiled(model, "forward", make_forward_function)


def make_logits_function(model: keras.Model):
    """compute_logits(model, batch) as a tf.function with a fixed input signature (holding the model weakly)."""
    signature = [tf.TensorSpec((None, *model.input_shape[1:]), tf.float32)]  # (batch, 28, 28, 1)
    model_reference = weakref.ref(model)

    @tf.function(input_signature=signature, autograph=False)
    def read(batch):
        return compute_logits(model_reference(), batch)  # (batch, 10)

    return read


def get_logits_function(model: keras.Model):
    """The model's compiled logits (the scores before its softmax), traced once per model whatever the batch size."""
    return get_compiled(model, "logits", make_logits_function)


def run_hidden_layers(model: keras.Model, batch: tf.Tensor, watched_layer=None):
    """One pass through every layer but the last: (the last hidden layer's output, watched_layer's output or None)."""
    outputs, watched = batch, None
    for layer in model.layers[:-1]:
        outputs = layer(outputs, training=False)
        if layer is watched_layer:
            watched = outputs
    return outputs, watched


def compute_class_scores(layer: keras.layers.Layer, inputs: tf.Tensor) -> tf.Tensor:
    """(batch, 10) class scores from the last layer: its logits when that layer is a softmax Dense."""
    if is_softmax_dense(layer):
        logits = tf.matmul(inputs, layer.kernel)  # softmax saturates near 100%; logits keep usable gradients
        return logits + layer.bias if layer.use_bias else logits
    return layer(inputs, training=False)


def compute_hidden_and_scores(model: keras.Model, batch: tf.Tensor, watched_layer=None):
    """(last hidden output, class scores (batch, 10), watched_layer's output or None) from one pass."""
    hidden, watched = run_hidden_layers(model, batch, watched_layer)
    return hidden, compute_class_scores(model.layers[-1], hidden), watched


def compute_logits(model: keras.Model, batch: tf.Tensor) -> tf.Tensor:
    """(batch, 10) logits: read before the final softmax of a Sequential model, else log-probabilities."""
    if isinstance(model, keras.Sequential):
        return compute_hidden_and_scores(model, batch)[1]
    probabilities = model(batch, training=False)
    return tf.math.log(tf.maximum(probabilities, PROBABILITY_FLOOR))
