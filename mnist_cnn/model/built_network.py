"""Built networks: a checked layer list made into a Keras model, read back from a model, and edited as a table."""

import math

import keras

from mnist_cnn import config
from mnist_cnn.model.architectures import ARCHITECTURES, INPUT_SHAPE, build_model
from mnist_cnn.model.layer_spec import (ACTIVATIONS, KIND_DEFAULTS, KIND_LABELS, SpecError, check_rows, expand_spec,
                                        validate_spec)
from mnist_cnn.model.layer_types import activation_name

# The architecture name of a model built from a layer list (its metadata keeps the list as "architecture_spec").
BUILT_ARCHITECTURE = "built"
# The table's columns after "layer": column -> the setting it holds for each kind ("kernel" is a pool's window too).
TABLE_COLUMNS = {"filters": {"conv": "filters"}, "kernel": {"conv": "kernel_size", "max_pool": "pool_size"},
                 "stride": {"conv": "strides"}, "padding": {"conv": "padding"}, "units": {"dense": "units"},
                 "rate": {"dropout": "rate"}, "activation": {"conv": "activation", "batch_norm": "activation",
                                                             "dense": "activation"}}
KINDS_BY_LABEL = {label: kind for kind, label in KIND_LABELS.items()}


def build_from_spec(spec, name: str = BUILT_ARCHITECTURE) -> keras.Model:
    """A fresh, untrained Keras model of a layer list, which is checked first (SpecError when it is refused)."""
    rows = validate_spec(spec)
    layers = [keras.Input(shape=INPUT_SHAPE, name="image")]  # (batch, 28, 28, 1)
    for row_layers in expand_spec(rows):
        layers += [getattr(keras.layers, class_name)(name=layer_name, **settings)
                   for class_name, layer_name, settings in row_layers]
    return keras.Sequential(layers, name=name)


def build_network(architecture: str, spec=None) -> keras.Model:
    """A fresh network: a built layer list when given, else the registered architecture of that name."""
    if spec is not None:
        return build_from_spec(spec)
    return build_model(architecture)


def read_activation(layer) -> str:
    """A layer's activation as a spec names it ('none' for linear); SpecError for one a spec cannot hold."""
    name = activation_name(layer) or "none"
    if name not in ACTIVATIONS:
        raise SpecError(f"Layer {layer.name!r} uses the activation {name!r}, which a built network cannot hold.")
    return name


def square(layer, value, what: str) -> int:
    """One side of a square window or stride; SpecError for a rectangular one."""
    values = tuple(value) if isinstance(value, (list, tuple)) else (value, value)
    if values[0] != values[1]:
        raise SpecError(f"Layer {layer.name!r} has a {values[0]}×{values[1]} {what}; a built network's are square.")
    return int(values[0])


def read_layer(layer, following) -> dict | None:
    """The spec row of one Keras layer (None for one that belongs to the row before it); SpecError if it has none."""
    kind = type(layer).__name__
    if kind == "Conv2D":
        if tuple(layer.dilation_rate) != (1, 1) or layer.groups != 1:
            raise SpecError(f"Layer {layer.name!r} is dilated or grouped; a built network's convs are not.")
        if layer.use_bias == isinstance(following, keras.layers.BatchNormalization):
            raise SpecError(f"Layer {layer.name!r}: a built network's conv has a bias unless a batch norm follows.")
        return {"kind": "conv", "filters": layer.filters, "kernel_size": square(layer, layer.kernel_size, "kernel"),
                "strides": square(layer, layer.strides, "stride"), "padding": layer.padding,
                "activation": read_activation(layer)}
    if kind == "MaxPooling2D":
        size = square(layer, layer.pool_size, "window")
        if square(layer, layer.strides, "stride") != size or layer.padding != "valid":
            raise SpecError(f"Layer {layer.name!r}: a built network's pooling steps by its window, 'valid'.")
        return {"kind": "max_pool", "pool_size": size}
    if kind == "BatchNormalization":
        after = read_activation(following) if type(following).__name__ == "Activation" else "none"
        return {"kind": "batch_norm", "activation": after}
    if kind == "Dropout":
        return {"kind": "dropout", "rate": float(layer.rate)}
    if kind == "Flatten":
        return {"kind": "flatten"}
    if kind == "GlobalAveragePooling2D" and not layer.keepdims:
        return {"kind": "global_average_pool"}
    if kind == "Dense":
        return {"kind": "dense", "units": layer.units, "activation": read_activation(layer)}
    raise SpecError(f"Layer {layer.name!r} ({kind}) has no row in a built network.")


def spec_from_model(model: keras.Model) -> list[dict]:
    """The layer list of a Sequential-style model that ends in dense 10 softmax; SpecError where it cannot be read."""
    layers = [layer for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]
    last = layers[-1] if layers else None
    if not isinstance(last, keras.layers.Dense) or last.units != config.NUM_CLASSES or (
            activation_name(last) != "softmax"):
        raise SpecError("Only a network that ends in a dense layer of 10 with softmax can be read as a layer list.")
    spec = []
    for index, layer in enumerate(layers[:-1]):
        previous = layers[index - 1] if index else None
        if type(layer).__name__ == "Activation" and isinstance(previous, keras.layers.BatchNormalization):
            continue  # read with its batch norm
        row = read_layer(layer, layers[index + 1])
        spec.append(row)
    return validate_spec(spec)


def preset_spec(name: str) -> list[dict]:
    """The layer list of one of the six registered architectures."""
    if name not in ARCHITECTURES:
        raise ValueError(f"Unknown architecture {name!r}; choose one of {', '.join(ARCHITECTURES)}.")
    return spec_from_model(build_model(name))


def read_model_spec(metadata: dict, model: keras.Model) -> list[dict]:
    """A stored model's layer list: kept in its metadata (a built network), its preset's, or read from its layers."""
    if metadata.get("architecture_spec") is not None:
        return validate_spec(metadata["architecture_spec"])
    if metadata.get("architecture") in ARCHITECTURES:
        return preset_spec(metadata["architecture"])
    return spec_from_model(model)


def to_table_rows(spec: list[dict]) -> list[dict]:
    """One table row per layer: its kind's label and each column it uses (the others empty)."""
    rows = []
    for row in check_rows(spec):
        table_row = {"layer": KIND_LABELS[row["kind"]]}
        for column, settings in TABLE_COLUMNS.items():
            table_row[column] = row.get(settings.get(row["kind"], ""))
        rows.append(table_row)
    return rows


def is_empty(value) -> bool:
    """True for an empty cell (None, NaN or blank text)."""
    return value is None or (isinstance(value, float) and math.isnan(value)) or (
        isinstance(value, str) and not value.strip())


def read_cell(value):
    """A cell as a plain Python value: whole floats (from number columns) become ints, NumPy numbers plain ones."""
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def read_table_rows(records: list[dict]) -> list[dict]:
    """The layer list of an edited table; empty rows are skipped, empty cells take the kind's default.

    Raise SpecError for a row without a known layer type; the settings are checked by validate_spec.
    """
    spec = []
    for number, record in enumerate(records, start=1):
        if all(is_empty(value) for value in record.values()):
            continue
        label = record.get("layer")
        if is_empty(label) or label not in KINDS_BY_LABEL:
            raise SpecError(f"Row {number}: choose a layer type ({', '.join(KINDS_BY_LABEL)}).")
        kind = KINDS_BY_LABEL[label]
        row = {"kind": kind}
        for column, settings in TABLE_COLUMNS.items():
            if kind in settings and not is_empty(record.get(column)):
                row[settings[kind]] = read_cell(record[column])
        spec.append({**{"kind": kind}, **{key: row.get(key, default) for key, default in KIND_DEFAULTS[kind].items()}})
    return spec
