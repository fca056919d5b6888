"""The one cache of compiled forward passes: functions built once per model (and kind), dropped with the model."""

import threading
import weakref

import keras
import tensorflow as tf

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
