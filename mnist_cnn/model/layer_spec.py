"""A built network's layer list (plain JSON-able dicts): checked as untrusted input, measured layer by layer.

A spec is a list of rows such as {"kind": "conv", "filters": 32, "kernel_size": 3, "strides": 1, "padding": "valid",
"activation": "relu"}; the output layer (dense 10, softmax) is always added after them. Every row becomes one or two
Keras layers (expand_spec), whose shapes, parameters and FLOPs come from mnist_cnn.store.layer_shapes.
"""

import math
import re
from dataclasses import dataclass, field

from mnist_cnn import config
from mnist_cnn.store.layer_shapes import LayerConfigError, measure_layer

# Kinds of row and the settings each takes, with the value a missing setting gets.
KIND_DEFAULTS = {
    "conv": {"filters": 32, "kernel_size": 3, "strides": 1, "padding": "valid", "activation": "relu"},
    "max_pool": {"pool_size": 2},
    "batch_norm": {"activation": "none"},
    "dropout": {"rate": 0.25},
    "flatten": {},
    "global_average_pool": {},
    "dense": {"units": 64, "activation": "relu"},
}
# What users read for each kind (the Build page's layer column).
KIND_LABELS = {"conv": "conv", "max_pool": "max pooling", "batch_norm": "batch norm", "dropout": "dropout",
               "flatten": "flatten", "global_average_pool": "global average pooling", "dense": "dense"}
ACTIVATIONS = ("relu", "elu", "gelu", "tanh", "sigmoid", "none")
PADDINGS = ("valid", "same")
# Each setting: (kind of value, lowest, highest) or ("choice", choices).
SETTING_RULES = {
    "filters": ("int", 1, config.MAX_BUILT_FILTERS),
    "kernel_size": ("int", 1, config.MAX_BUILT_KERNEL),
    "strides": ("int", 1, config.MAX_BUILT_STRIDE),
    "pool_size": ("int", 2, config.MAX_BUILT_POOL),
    "units": ("int", 1, config.MAX_BUILT_UNITS),
    "rate": ("float", 0.0, config.MAX_BUILT_DROPOUT),
    "padding": ("choice", PADDINGS),
    "activation": ("choice", ACTIVATIONS),
}
INPUT_SHAPE = (28, 28, 1)
# A layer list in a lesson link (format_spec_text): rows joined by "~", each "kind" or "kind(key=value,...)".
SPEC_SETTING = r"[a-z_]{1,12}=[a-z0-9_.]{1,12}"
SPEC_ROW_PATTERN = re.compile(rf"([a-z_]{{1,20}})(?:\(({SPEC_SETTING}(?:,{SPEC_SETTING})*)\))?")
NUMBER_PATTERN = re.compile(r"[0-9]{1,6}(\.[0-9]{1,6})?")
SPEC_TEXT_LIMIT = 2000
# Layers that read a stack of maps, and the two that turn maps into a vector.
MAP_KINDS = ("conv", "max_pool", "flatten", "global_average_pool")
VECTOR_MAKERS = ("flatten", "global_average_pool")


class SpecError(ValueError):
    """A built layer list is not acceptable; the message says which row and why."""


def check_setting(where: str, key: str, value):
    """One setting's value, checked against SETTING_RULES (SpecError names the row and the setting)."""
    rule = SETTING_RULES[key]
    if rule[0] == "choice":
        if not isinstance(value, str) or value not in rule[1]:
            raise SpecError(f"{where}: {key} must be one of {', '.join(rule[1])}, not {str(value)[:30]!r}.")
        return value
    kind, low, high = rule
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise SpecError(f"{where}: {key} must be a number, not {str(value)[:30]!r}.")
    if kind == "int" and value != int(value):
        raise SpecError(f"{where}: {key} must be a whole number, not {value}.")
    if not low <= value <= high:
        raise SpecError(f"{where}: {key} must be between {low:g} and {high:g}, not {value:g}.")
    return int(value) if kind == "int" else float(value)


def check_row(index: int, row) -> dict:
    """One row with its kind checked, unknown settings refused and missing ones filled with their defaults."""
    if not isinstance(row, dict):
        raise SpecError(f"Layer {index + 1} must be an object with a 'kind', not {type(row).__name__}.")
    kind = row.get("kind")
    if not isinstance(kind, str) or kind not in KIND_DEFAULTS:
        raise SpecError(f"Layer {index + 1}: kind must be one of {', '.join(KIND_DEFAULTS)}, "
                        f"not {str(kind)[:30]!r}.")
    where = f"Layer {index + 1} ({KIND_LABELS[kind]})"
    unknown = sorted(str(key)[:30] for key in row if key != "kind" and key not in KIND_DEFAULTS[kind])
    if unknown:
        raise SpecError(f"{where}: unknown setting {', '.join(map(repr, unknown))}.")
    return {"kind": kind, **{key: check_setting(where, key, row.get(key, default))
                             for key, default in KIND_DEFAULTS[kind].items()}}


def check_rows(spec) -> list[dict]:
    """Every row checked on its own (types, ranges, count); the layer list as plain dicts with every setting."""
    if not isinstance(spec, (list, tuple)):
        raise SpecError(f"A built network is a list of layers, not {type(spec).__name__}.")
    if not spec:
        raise SpecError("A built network needs at least one layer.")
    if len(spec) > config.MAX_BUILT_LAYERS:
        raise SpecError(f"A built network may have at most {config.MAX_BUILT_LAYERS} layers, not {len(spec)}.")
    return [check_row(index, row) for index, row in enumerate(spec)]


def format_spec_text(spec: list[dict]) -> str:
    """A layer list as short URL-safe text, defaults left out: "conv(filters=64)~max_pool~flatten~dense"."""
    rows = []
    for row in check_rows(spec):
        settings = ",".join(f"{key}={format_decimal(row[key])}" if isinstance(row[key], float) else f"{key}={row[key]}"
                            for key, default in KIND_DEFAULTS[row["kind"]].items() if row[key] != default)
        rows.append(f"{row['kind']}({settings})" if settings else row["kind"])
    return "~".join(rows)


def format_decimal(value: float) -> str:
    """A decimal as plain digits (0.00001 -> "0.00001", never "1e-05"): what NUMBER_PATTERN reads back."""
    return f"{value:.6f}".rstrip("0").rstrip(".") or "0"


def parse_spec_text(text: str) -> list[dict]:
    """The layer list that format_spec_text wrote; SpecError for text it could not have written."""
    if len(text) > SPEC_TEXT_LIMIT:
        raise SpecError(f"A layer list in a link is at most {SPEC_TEXT_LIMIT} characters.")
    spec = []
    for index, part in enumerate(text.split("~")):
        match = SPEC_ROW_PATTERN.fullmatch(part)
        if match is None:
            raise SpecError(f"Layer {index + 1} is not written as kind(setting=value,...): {part[:30]!r}.")
        row = {"kind": match.group(1)}
        for setting in filter(None, (match.group(2) or "").split(",")):
            key, _, value = setting.partition("=")
            row[key] = (float(value) if "." in value else int(value)) if NUMBER_PATTERN.fullmatch(value) else value
        spec.append(row)
    return check_rows(spec)


def activation_or_none(name: str) -> str | None:
    """A Keras activation name, None for 'none' (linear)."""
    return None if name == "none" else name


def expand_spec(spec: list[dict]) -> list[list[tuple[str, str, dict]]]:
    """The Keras layers of each checked row, as (class name, layer name, constructor settings); the output layer last.

    A conv right before a batch norm has no bias (the batch norm's shift takes its place), as in batchnorm_cnn.
    """
    counts, expanded = {}, []
    for index, row in enumerate(spec):
        kind = row["kind"]
        counts[kind] = counts.get(kind, 0) + 1
        name = {"conv": "conv", "max_pool": "pool", "batch_norm": "batch_norm", "dropout": "dropout",
                "flatten": "flatten", "global_average_pool": "global_pool", "dense": "dense"}[kind]
        name = f"{name}{counts[kind]}"
        if kind == "conv":
            before_norm = index + 1 < len(spec) and spec[index + 1]["kind"] == "batch_norm"
            layers = [("Conv2D", name, {"filters": row["filters"], "kernel_size": row["kernel_size"],
                                        "strides": row["strides"], "padding": row["padding"],
                                        "activation": activation_or_none(row["activation"]),
                                        "use_bias": not before_norm})]
        elif kind == "max_pool":
            layers = [("MaxPooling2D", name, {"pool_size": row["pool_size"]})]
        elif kind == "batch_norm":
            if index and spec[index - 1]["kind"] == "conv":  # named after its conv, as in batchnorm_cnn
                name = f"{expanded[-1][0][1]}_bn"
            layers = [("BatchNormalization", name, {})]
            if row["activation"] != "none":
                layers.append(("Activation", f"{name.removesuffix('_bn')}_{row['activation']}",
                               {"activation": row["activation"]}))
        elif kind == "dropout":
            layers = [("Dropout", name, {"rate": row["rate"]})]
        elif kind == "flatten":
            layers = [("Flatten", name, {})]
        elif kind == "global_average_pool":
            layers = [("GlobalAveragePooling2D", name, {})]
        else:
            layers = [("Dense", name, {"units": row["units"], "activation": activation_or_none(row["activation"])})]
        expanded.append(layers)
    expanded.append([("Dense", "probabilities", {"units": config.NUM_CLASSES, "activation": "softmax"})])
    return expanded


def describe_row(row: dict) -> str:
    """The settings of one row in words, e.g. '32 filters 3×3, stride 1, valid, relu'."""
    kind = row["kind"]
    if kind == "conv":
        return (f"{row['filters']} filters {row['kernel_size']}×{row['kernel_size']}, stride {row['strides']}, "
                f"{row['padding']}, {row['activation']}")
    if kind == "max_pool":
        return f"{row['pool_size']}×{row['pool_size']}"
    if kind == "dropout":
        return f"rate {row['rate']:g}"
    if kind == "dense":
        return f"{row['units']} units, {row['activation']}"
    if kind == "batch_norm" and row["activation"] != "none":
        return f"then {row['activation']}"
    return ""


def summarise_spec(spec: list[dict]) -> str:
    """A checked layer list in one line, e.g. 'conv 32 → max pooling → flatten → dense 10'."""
    sizes = {"conv": "filters", "dense": "units", "dropout": "rate"}
    parts = [" ".join([KIND_LABELS[row["kind"]], *([f"{row[sizes[row['kind']]]:g}"] if row["kind"] in sizes else [])])
             for row in check_rows(spec)]
    return " → ".join([*parts, f"dense {config.NUM_CLASSES}"])


@dataclass
class SpecMeasurement:
    """What a layer list makes, row by row until a problem (if any): shapes, parameters, FLOPs and the totals."""

    rows: list = field(default_factory=list)   # {"layer", "kind", "settings", "output shape", "parameters", "FLOPs"}
    parameters: int = 0
    flops: int = 0
    problem: str | None = None                 # why the list is refused; None when it is acceptable


def check_order(index: int, kind: str, shape: tuple, flattened_by: int | None) -> None:
    """Refuse a row that needs maps after the maps became a vector, or a dense layer before they did."""
    where = f"Layer {index + 1} ({KIND_LABELS[kind]})"
    if kind in MAP_KINDS and len(shape) != 3:
        raise SpecError(f"{where} needs a stack of maps, but layer {flattened_by} already turned them into a "
                        "vector. Move it before that layer.")
    if kind == "dense" and len(shape) == 3:
        raise SpecError(f"{where} needs a vector: add a flatten or global average pooling layer before it.")


def measure_row(index: int, row_layers: list, shape: tuple) -> tuple[tuple, int, int]:
    """(output shape, parameters, FLOPs) of one row's Keras layers; SpecError where a window no longer fits."""
    parameters = flops = 0
    for class_name, name, settings in row_layers:
        try:
            cost = measure_layer(name, class_name, settings, shape)
        except LayerConfigError:
            window = settings.get("kernel_size", settings.get("pool_size"))
            raise SpecError(f"Layer {index + 1} ({name}): its {window}×{window} window does not fit the "
                            f"{shape[0]}×{shape[1]} maps it gets, which would shrink below 1×1. Use 'same' padding, "
                            "a smaller kernel or stride, or fewer pooling layers.") from None
        shape, parameters, flops = cost.output_shape, parameters + cost.parameters, flops + cost.flops
    if math.prod(shape) > config.MAX_BUILT_ACTIVATION:
        raise SpecError(f"Layer {index + 1} ({row_layers[0][1]}) outputs {math.prod(shape):,} numbers per image; "
                        f"the limit is {config.MAX_BUILT_ACTIVATION:,}. Use fewer filters or shrink the maps first.")
    return shape, parameters, flops


def measure_spec(spec) -> SpecMeasurement:
    """Check and measure a layer list row by row; the rows measured before a problem are kept for display."""
    result = SpecMeasurement()
    try:
        rows = check_rows(spec)
        shape, flattened_by = INPUT_SHAPE, None
        for index, row_layers in enumerate(expand_spec(rows)):
            row = rows[index] if index < len(rows) else {"kind": "dense", "units": config.NUM_CLASSES,
                                                           "activation": "softmax"}
            if index == len(rows) and len(shape) == 3:
                raise SpecError("The network ends in maps: add a flatten or global average pooling layer so the "
                                "output layer (dense 10, softmax) gets a vector.")
            check_order(index, row["kind"], shape, flattened_by)
            shape, parameters, flops = measure_row(index, row_layers, shape)
            flattened_by = flattened_by or (index + 1 if row["kind"] in VECTOR_MAKERS else None)
            result.parameters, result.flops = result.parameters + parameters, result.flops + flops
            result.rows.append({"layer": row_layers[0][1], "kind": KIND_LABELS[row["kind"]],
                                "settings": describe_row(row), "output shape": "×".join(map(str, shape)),
                                "parameters": parameters, "FLOPs": flops})
        check_totals(rows, result)
    except SpecError as error:
        result.problem = str(error)
    return result


def check_totals(rows: list[dict], result: SpecMeasurement) -> None:
    """Refuse a network without a conv layer, or over the parameter or FLOP limit."""
    if not any(row["kind"] == "conv" for row in rows):
        raise SpecError("A built network needs at least one conv layer (the pages look inside its feature maps).")
    if result.parameters > config.MAX_BUILT_PARAMETERS:
        raise SpecError(f"The network has {result.parameters:,} parameters; the limit is "
                        f"{config.MAX_BUILT_PARAMETERS:,}. Use fewer filters or units, or shrink the maps first.")
    if result.flops > config.MAX_BUILT_FLOPS:
        raise SpecError(f"The network takes {result.flops:,} FLOPs per image; the limit is "
                        f"{config.MAX_BUILT_FLOPS:,}. Shrink the maps earlier (pooling, stride 2) or use fewer "
                        "filters.")


def validate_spec(spec) -> list[dict]:
    """The layer list checked completely (types, ranges, order, sizes, limits), with every setting filled in.

    Raise SpecError (a ValueError) with a message for the user when it is not acceptable.
    """
    problem = measure_spec(spec).problem
    if problem:
        raise SpecError(problem)
    return check_rows(spec)
