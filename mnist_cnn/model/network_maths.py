"""A model's layer table and the maths of each kind of layer, tied to the layers of that model where it appears."""

from dataclasses import dataclass
from collections.abc import Callable

import keras

from mnist_cnn.explain.feature_maps import list_feature_layers
from mnist_cnn.model.layer_types import (CONV_LAYERS, DENSE_LAYERS, DROPOUT_LAYERS, FLATTEN_LAYERS,
                                         GLOBAL_POOLING_LAYERS, MAX_POOLING_LAYERS, NORMALISATION_LAYERS,
                                         POOLING_LAYERS, activation_name, applies_softmax)


def format_shape(shape) -> str:
    """An output shape without the batch axis, e.g. '28×28×16' or '10'."""
    return "×".join(str(size) for size in tuple(shape)[1:])


def describe_settings(layer) -> str:
    """The settings that matter to a learner: filters, kernel size, stride, pool size, rate, activation."""
    if isinstance(layer, CONV_LAYERS):
        kernel_height, kernel_width = layer.kernel_size
        parts = [f"{layer.filters} filters {kernel_height}×{kernel_width}", f"padding '{layer.padding}'"]
        if tuple(layer.strides) != (1, 1):
            parts.append(f"stride {layer.strides[0]}")
        if not layer.use_bias:
            parts.append("no bias")
    elif isinstance(layer, POOLING_LAYERS):
        parts = [f"pool {layer.pool_size[0]}×{layer.pool_size[1]}", f"stride {layer.strides[0]}"]
    elif isinstance(layer, DROPOUT_LAYERS):
        parts = [f"rate {layer.rate:g}"]
    elif isinstance(layer, DENSE_LAYERS):
        parts = [f"{layer.units} units"]
    else:
        parts = []
    if activation_name(layer):
        parts.append(f"activation {activation_name(layer)}")
    return ", ".join(parts)


def describe_layers(model: keras.Model) -> list[dict]:
    """One row per layer: name, type, output shape, settings, parameters and trainable parameters."""
    rows = []
    for layer in model.layers:
        trainable = sum(int(weight.numpy().size) for weight in layer.trainable_weights)
        rows.append({"layer": layer.name, "type": type(layer).__name__,
                     "output shape": format_shape(layer.output.shape), "settings": describe_settings(layer),
                     "parameters": int(layer.count_params()), "trainable parameters": trainable})
    return rows


def count_parameters(model: keras.Model) -> dict:
    """Total, trainable and non-trainable parameter counts."""
    trainable = sum(int(weight.numpy().size) for weight in model.trainable_weights)
    total = int(model.count_params())
    return {"total": total, "trainable": trainable, "non-trainable": total - trainable}


def find_conv_relu(model) -> list[str]:
    """Conv stages that end in a ReLU, written as their chain of layers."""
    names = []
    for stage in list_feature_layers(model):
        last = model.get_layer(stage.output_layer)
        if activation_name(last) == "relu" or isinstance(last, keras.layers.ReLU):
            names.append(" → ".join(stage.steps) if len(stage.steps) > 1 else f"{stage.name} (Conv2D + ReLU)")
    return names


def find_layers_of(types, describe=lambda layer: layer.name) -> Callable:
    """A finder that lists the layers of the given types."""
    return lambda model: [describe(layer) for layer in model.layers if isinstance(layer, types)]


def describe_dense(layer) -> str:
    """'probabilities (10 units, softmax)'."""
    activation = activation_name(layer)
    return f"{layer.name} ({layer.units} units{', ' + activation if activation else ''})"


def find_softmax(model) -> list[str]:
    """Layers that apply a softmax: a Softmax layer or any layer with activation='softmax'."""
    return [f"{layer.name} (softmax)" for layer in model.layers
            if applies_softmax(layer)]


def find_whole_model(model) -> list[str]:
    """The optimiser updates every trainable weight of the model."""
    return [f"all {count_parameters(model)['trainable']:,} trainable parameters of {model.name}"]


def find_loss(model) -> list[str]:
    """The loss compares the softmax output with the true digit."""
    outputs = [layer.name for layer in model.layers
               if applies_softmax(layer)] or [model.layers[-1].name]
    return [f"{outputs[-1]} output vs. the true digit, during training"]


def explain_no_pooling(model) -> str:
    """Why a model without max pooling still shrinks its maps: strided convolutions, if any."""
    strided = [layer.name for layer in model.layers
               if isinstance(layer, CONV_LAYERS) and tuple(layer.strides) != (1, 1)]
    if strided:
        return f"not used by this model: {', '.join(strided)} downsample with a stride of 2 instead"
    return "not used by this model"


def explain_no_flatten(model) -> str:
    """Why a model without Flatten still reaches a vector: global pooling, if any."""
    pools = [layer.name for layer in model.layers if isinstance(layer, GLOBAL_POOLING_LAYERS)]
    if pools:
        return f"not used by this model: {', '.join(pools)} turns the maps into a vector instead"
    return "not used by this model"


@dataclass(frozen=True)
class MathsTopic:
    """One kind of computation in a CNN: a formula, a short explanation, and where it appears in a model."""

    title: str
    formulas: tuple[str, ...]
    explanation: str
    find_layers: Callable[[keras.Model], list[str]]
    core: bool = True  # core topics are always listed; others only when the model uses them
    explain_absence: Callable[[keras.Model], str] = lambda model: "not used by this model"


MATHS_TOPICS = [
    MathsTopic(
        "Convolution with ReLU",
        (r"z_{i,j,k} = b_k + \sum_{u=0}^{2}\sum_{v=0}^{2}\sum_{c} x_{s i+u,\; s j+v,\; c}\; w_{u,v,c,k}",
         r"a_{i,j,k} = \operatorname{ReLU}(z_{i,j,k}) = \max(0,\, z_{i,j,k})"),
        "Each of the layer's filters k slides a small kernel w over every input channel c (stride s, zeros "
        "padded at the border for 'same'), multiplies and sums: one feature map per filter. ReLU keeps the "
        "positive evidence and zeroes the rest. Without a bias (b = 0), a batch norm after the convolution "
        "provides the shift.",
        find_conv_relu),
    MathsTopic(
        "Batch normalisation",
        (r"\hat{z} = \frac{z - \mu}{\sqrt{\sigma^2 + \epsilon}}, \qquad y = \gamma\,\hat{z} + \beta",),
        "Each channel is standardised with the batch mean μ and variance σ² during training (their moving "
        "averages at inference), then scaled by a learned γ and shifted by a learned β.",
        find_layers_of(NORMALISATION_LAYERS), core=False),
    MathsTopic(
        "Max pooling",
        (r"y_{i,j,c} = \max_{0 \le u,v < 2}\; x_{2i+u,\; 2j+v,\; c}",),
        "Keeps the strongest response in each 2×2 block of every channel: the map halves in height and width, "
        "and small shifts of the digit barely change the result.",
        find_layers_of(MAX_POOLING_LAYERS, lambda layer: f"{layer.name} ({layer.pool_size[0]}×{layer.pool_size[1]})"),
        explain_absence=explain_no_pooling),
    MathsTopic(
        "Global average pooling",
        (r"g_c = \frac{1}{H W} \sum_{i=1}^{H}\sum_{j=1}^{W} x_{i,j,c}",),
        "Averages each channel over all positions: one number per channel, whatever the map size.",
        find_layers_of(GLOBAL_POOLING_LAYERS), core=False),
    MathsTopic(
        "Flatten",
        (r"\mathbf{v} = \operatorname{vec}(X) \in \mathbb{R}^{H \cdot W \cdot C}",),
        "Lays the H×W×C stack of feature maps out as one long vector, so a dense layer can read it. "
        "No parameters, nothing learned.",
        find_layers_of(FLATTEN_LAYERS, lambda layer: f"{layer.name} ({format_shape(layer.input.shape)} "
                                                             f"→ {format_shape(layer.output.shape)})"),
        explain_absence=explain_no_flatten),
    MathsTopic(
        "Dropout",
        (r"\tilde{a}_i = \frac{m_i}{1-p}\, a_i, \qquad m_i \sim \operatorname{Bernoulli}(1-p)",),
        "During training each value is zeroed with probability p and the survivors are scaled up by 1/(1−p), "
        "so no unit can rely on another. At inference (everything this app shows) dropout does nothing.",
        find_layers_of(DROPOUT_LAYERS, lambda layer: f"{layer.name} (p = {layer.rate:g})")),
    MathsTopic(
        "Dense layer",
        (r"\mathbf{z} = W\mathbf{v} + \mathbf{b}",),
        "Every output is a weighted sum of every input plus a bias.",
        find_layers_of(DENSE_LAYERS, describe_dense),
        core=False),
    MathsTopic(
        "Softmax",
        (r"p_k = \frac{e^{z_k}}{\sum_{j=0}^{9} e^{z_j}}, \qquad k = 0, \dots, 9",),
        "Turns the ten scores z into probabilities: all positive, summing to 1; the largest score wins.",
        find_softmax),
    MathsTopic(
        "Categorical cross-entropy (the loss)",
        (r"L = -\sum_{k=0}^{9} y_k \log p_k = -\log p_{\text{true digit}}",),
        "With a one-hot label y, the loss is minus the log of the probability given to the true digit: "
        "0 when the network is sure and right, large when it is sure and wrong. Training minimises its mean "
        "over each batch.",
        find_loss),
    MathsTopic(
        "Adam (the weight update)",
        (r"m_t = \beta_1 m_{t-1} + (1-\beta_1)\, g_t",
         r"v_t = \beta_2 v_{t-1} + (1-\beta_2)\, g_t^2",
         r"\hat{m}_t = \frac{m_t}{1-\beta_1^t}, \qquad \hat{v}_t = \frac{v_t}{1-\beta_2^t}",
         r"\theta_t = \theta_{t-1} - \eta\, \frac{\hat{m}_t}{\sqrt{\hat{v}_t} + \epsilon}"),
        "g is the gradient of the loss for a weight θ. Adam keeps running averages of the gradient (m) and of its "
        "square (v), corrects their start-up bias, and steps each weight by about η in the direction that lowers "
        "the loss (Keras defaults: β₁ = 0.9, β₂ = 0.999, ε = 10⁻⁷).",
        find_whole_model),
]


def match_topics(model: keras.Model) -> list[tuple[MathsTopic, list[str]]]:
    """Each topic with the layers of this model where it appears (core topics even where it appears nowhere)."""
    matched = []
    for topic in MATHS_TOPICS:
        layers = topic.find_layers(model)
        if layers or topic.core:
            matched.append((topic, layers))
    return matched
