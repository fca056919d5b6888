"""Which Keras layers are convolutions, pooling, normalisation, activations: layer kinds by type, never by name."""

import keras

# Layers that make a spatial feature map worth showing.
CONV_LAYERS = (keras.layers.Conv2D,)
# Windowed pooling (and the kind the "Max pooling" maths card describes).
POOLING_LAYERS = (keras.layers.MaxPooling2D, keras.layers.AveragePooling2D)
MAX_POOLING_LAYERS = (keras.layers.MaxPooling2D,)
# Pooling over the whole map: one number per channel.
GLOBAL_POOLING_LAYERS = (keras.layers.GlobalAveragePooling2D,)
NORMALISATION_LAYERS = (keras.layers.BatchNormalization,)
ACTIVATION_LAYERS = (keras.layers.Activation, keras.layers.ReLU, keras.layers.LeakyReLU)
# Layers that may follow a convolution inside one "stage" (conv -> batch norm -> activation): each keeps the
# conv's map as it is, pixel for pixel (Grad-CAM looks at the map after them).
STAGE_FOLLOWER_LAYERS = NORMALISATION_LAYERS + ACTIVATION_LAYERS
# Layers that keep every pixel where it is (they do not change what a pixel sees).
PIXELWISE_LAYERS = STAGE_FOLLOWER_LAYERS + (keras.layers.Dropout, keras.layers.SpatialDropout2D,
                                            keras.layers.GaussianNoise, keras.layers.InputLayer)
DROPOUT_LAYERS = (keras.layers.Dropout,)
FLATTEN_LAYERS = (keras.layers.Flatten,)
DENSE_LAYERS = (keras.layers.Dense,)
SOFTMAX_LAYERS = (keras.layers.Softmax,)


def activation_name(layer) -> str | None:
    """The name of a layer's built-in activation ('relu', 'softmax', ...), or None for linear/none."""
    activation = getattr(layer, "activation", None)
    name = getattr(activation, "__name__", None)
    return None if name in (None, "linear") else name


def is_softmax_dense(layer) -> bool:
    """True for a Dense layer with a softmax activation: its class scores (logits) can be read."""
    return isinstance(layer, DENSE_LAYERS) and activation_name(layer) == "softmax"


def applies_softmax(layer) -> bool:
    """True for a Softmax layer or any layer with activation='softmax'."""
    return isinstance(layer, SOFTMAX_LAYERS) or activation_name(layer) == "softmax"
