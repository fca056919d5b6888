"""Judge an uploaded .keras before Keras builds anything: its config.json, read bounded, must be a plain chain of
known layers whose parameters, FLOPs and largest activation fit the server's caps (pure logic on a dict)."""

import io
import json
import math
import zipfile
import zlib
from dataclasses import dataclass

from mnist_cnn import config
from mnist_cnn.config import NUM_CLASSES
from mnist_cnn.store.layer_shapes import LAYER_RULES, measure_layer
from mnist_cnn.store.upload_errors import ModelExchangeError

# What a .keras archive may hold: Keras writes these three for a model without assets. Any other member is refused.
KERAS_MEMBERS = ("config.json", "metadata.json", "model.weights.h5")
# The one input the app feeds a model: a batch of 28×28 grey images (the batch size left open).
INPUT_SHAPE = (28, 28, 1)
# The model types read: a Sequential stack, or a functional model that is a plain chain of layers.
MODEL_TYPES = ("Sequential", "Functional")
# Objects a layer's config may name besides its layer type: the number type, initializers, regularizers and
# constraints. Keras builds each from its own code; anything else (functions, lambdas, arrays) is refused.
HELPER_OBJECTS = frozenset({
    "DTypePolicy", "FloatDTypePolicy",
    "Zeros", "Ones", "Constant", "RandomNormal", "RandomUniform", "TruncatedNormal", "GlorotUniform", "GlorotNormal",
    "HeUniform", "HeNormal", "LecunUniform", "LecunNormal", "VarianceScaling", "Orthogonal",
    "L1", "L2", "L1L2", "MaxNorm", "MinMaxNorm", "NonNeg", "UnitNorm",
})
# Activation functions a layer may name: Keras built-ins.
ACTIVATIONS = frozenset({
    "linear", "relu", "relu6", "leaky_relu", "elu", "selu", "gelu", "silu", "swish", "mish", "sigmoid",
    "hard_sigmoid", "hard_silu", "tanh", "softplus", "softsign", "softmax", "log_softmax", "exponential",
})
# The only number type accepted: Keras' default (float64 doubles the memory, quantized types change the weights).
DTYPE = "float32"
# Keys of a functional layer's call that may be given (as true, false or null), besides its one input.
CALL_OPTIONS = ("training", "mask")


class ModelTooLargeError(ModelExchangeError):
    """An uploaded model needs more parameters, FLOPs or activation memory than the server's caps allow."""


@dataclass(frozen=True)
class ModelSize:
    """What a model costs per image, computed from its config: the numbers the caps bound."""

    parameters: int             # what Keras' count_params gives
    flops: int                  # floating-point operations per image (a multiply-add counts two)
    largest_activation: int     # numbers in the largest layer output (or the input), per image


def read_model_config(keras_bytes: bytes) -> dict:
    """The parsed config.json of a .keras archive, after its members' sizes are checked; never reads weights."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(keras_bytes))
        members = archive.infolist()
        names = [member.filename for member in members]
        unexpected = sorted(set(names) - set(KERAS_MEMBERS))
        if unexpected or len(set(names)) != len(names) or "config.json" not in names:
            raise ModelExchangeError("This is not a Keras model saved by model.save: a .keras file holds "
                                     f"{', '.join(KERAS_MEMBERS)} and nothing else"
                                     f"{'; this one holds ' + repr(unexpected[0][:60]) if unexpected else ''}.")
        unpacked = sum(member.file_size for member in members)
        if unpacked > config.MAX_UPLOAD_UNPACKED_BYTES:
            raise ModelTooLargeError(f"The model unpacks to {unpacked / 2**20:.1f} MB; the limit is "
                                     f"{config.MAX_UPLOAD_UNPACKED_BYTES / 2**20:.0f} MB.")
        limit = config.MAX_UPLOAD_CONFIG_BYTES
        with archive.open("config.json") as member:
            text = member.read(limit + 1)  # bounded, whatever the header claims
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError) as error:
        raise ModelExchangeError(f"The .keras archive is damaged ({type(error).__name__}).") from None
    except RuntimeError:  # zipfile's word for an encrypted member
        raise ModelExchangeError("The .keras archive is encrypted.") from None
    if len(text) > limit:
        raise ModelTooLargeError(f"The model's config.json is larger than {limit // 1024} KB.")
    try:
        model_config = json.loads(text)
    except (ValueError, RecursionError):
        raise ModelExchangeError("The model's config.json is not valid JSON.") from None
    if not isinstance(model_config, dict):
        raise ModelExchangeError("The model's config.json does not describe a model.")
    return model_config


def is_dtype_policy_ok(value) -> bool:
    """True for float32, as a name or as a DTypePolicy object."""
    if isinstance(value, dict):
        return value.get("class_name") in ("DTypePolicy", "FloatDTypePolicy") and \
            isinstance(value.get("config"), dict) and value["config"].get("name") == DTYPE
    return value in (DTYPE, None)


def check_helper_objects(value, where: str) -> None:
    """Refuse anything in a layer's config that Keras would build besides known helpers, and other number types."""
    if isinstance(value, list):
        for item in value:
            check_helper_objects(item, where)
        return
    if not isinstance(value, dict):
        return
    if "class_name" in value:
        class_name, module = value.get("class_name"), value.get("module")
        if class_name not in HELPER_OBJECTS or not (module is None or str(module).startswith("keras")) \
                or value.get("registered_name") not in (None, class_name):
            raise ModelExchangeError(f"{where} uses {str(class_name)[:40]!r}, which an uploaded model may not use "
                                     "(only Keras' own layers, initializers, regularizers and constraints).")
    for key, item in value.items():
        if key == "dtype" and not is_dtype_policy_ok(item):
            raise ModelExchangeError(f"{where} computes in {str(item)[:40]!r}; uploaded models must use {DTYPE}.")
        if key == "activation" and not (isinstance(item, str) and item in ACTIVATIONS):
            raise ModelExchangeError(f"{where} uses the activation {str(item)[:40]!r}, which an uploaded model "
                                     f"may not use; use one of Keras' own ({', '.join(sorted(ACTIVATIONS))}).")
        if key in ("quantization_config", "lora_rank") and item not in (None, 0):
            raise ModelExchangeError(f"{where} is quantized or has LoRA weights; uploaded models may not.")
        check_helper_objects(item, where)


def describe_layer(layer: dict, index: int) -> tuple[str, str]:
    """(name, type) of a layer entry, for messages and checks; ModelExchangeError if it is not a known layer."""
    if not isinstance(layer, dict) or not isinstance(layer.get("config"), dict):
        raise ModelExchangeError(f"Layer {index + 1} of the model's config is not a layer.")
    class_name, name = str(layer.get("class_name"))[:60], str(layer["config"].get("name", f"#{index + 1}"))[:40]
    known = class_name == "InputLayer" or class_name in LAYER_RULES
    if not known or not str(layer.get("module", "")).startswith("keras") \
            or layer.get("registered_name") not in (None, class_name) or layer.get("compile_config"):
        raise ModelExchangeError(f"Layer {name!r} is of type {class_name!r}, which an uploaded model may not use. "
                                 f"Allowed layer types: {', '.join(sorted(LAYER_RULES))}.")
    return name, class_name


def read_input_shape(layer: dict) -> tuple:
    """The per-image input shape of a model's InputLayer; ModelExchangeError unless it reads 28×28×1 batches."""
    if layer.get("class_name") != "InputLayer":
        raise ModelExchangeError("The model must start with its input: keras.Input((28, 28, 1)).")
    settings = layer["config"]
    shape = settings.get("batch_shape", settings.get("batch_input_shape"))
    if shape != [None, *INPUT_SHAPE] or settings.get("sparse") or settings.get("ragged"):
        raise ModelExchangeError(f"The model must read batches of 28×28×1 images (input shape (None, 28, 28, 1)); "
                                 f"its input is {str(shape)[:60]}.")
    return INPUT_SHAPE


def read_tensor_source(argument, layer_name: str) -> str:
    """The name of the layer whose output a functional layer reads (one plain tensor reference)."""
    if isinstance(argument, dict) and argument.get("class_name") == "__keras_tensor__" \
            and isinstance(argument.get("config"), dict):
        history = argument["config"].get("keras_history")
        if isinstance(history, list) and len(history) == 3 and history[1:] == [0, 0]:
            return str(history[0])
    raise ModelExchangeError(f"Layer {layer_name!r} does not read one plain tensor: only simple chains of layers "
                             "are supported.")


def check_functional_chain(model: dict, layers: list) -> None:
    """Refuse a functional model unless each layer reads the previous one's output only, first input to last output."""
    names = [str(layer["config"].get("name")) for layer in layers]
    if any(layer.get("name", name) != name for layer, name in zip(layers, names)):
        raise ModelExchangeError("A layer of the model is listed under two names.")
    for index, layer in enumerate(layers[1:], start=1):
        nodes = layer.get("inbound_nodes")
        node = nodes[0] if isinstance(nodes, list) and len(nodes) == 1 and isinstance(nodes[0], dict) else {}
        arguments, options = node.get("args"), node.get("kwargs", {})
        if not (isinstance(arguments, list) and len(arguments) == 1 and isinstance(options, dict)
                and all(key in CALL_OPTIONS and value in (True, False, None) for key, value in options.items())
                and read_tensor_source(arguments[0], names[index]) == names[index - 1]):
            raise ModelExchangeError(f"Layer {names[index]!r} does not read the output of the layer before it "
                                     f"({names[index - 1]!r}): only simple chains of layers are supported "
                                     "(no branches, skips, shared layers, several inputs or outputs).")
    ends = [model.get("input_layers"), model.get("output_layers")]
    ends = [end[0] if isinstance(end, list) and len(end) == 1 and isinstance(end[0], list) else end for end in ends]
    if ends != [[names[0], 0, 0], [names[-1], 0, 0]] or layers[0].get("inbound_nodes") not in (None, []):
        raise ModelExchangeError("The model must have one input (its first layer) and one output (its last "
                                 "layer): only simple chains of layers are supported.")


def read_layer_chain(model_config: dict) -> list:
    """The layer entries of a Sequential model, or of a functional model that is a simple chain, input first."""
    class_name = model_config.get("class_name")
    inner = model_config.get("config")
    if class_name not in MODEL_TYPES or not str(model_config.get("module", "")).startswith("keras") \
            or not isinstance(inner, dict) or not isinstance(inner.get("layers"), list) or not inner["layers"]:
        raise ModelExchangeError(f"The model is a {str(class_name)[:40]!r}; uploads must be a keras.Sequential "
                                 "model or a functional keras.Model that is a simple chain of layers.")
    layers = inner["layers"]
    for index, layer in enumerate(layers):
        describe_layer(layer, index)
    if len({str(layer["config"].get("name")) for layer in layers}) != len(layers):
        raise ModelExchangeError("Two layers of the model have the same name.")
    if class_name == "Functional":
        check_functional_chain(inner, layers)
    build_shapes = [inner.get("build_input_shape"), (model_config.get("build_config") or {}).get("input_shape")]
    if any(shape not in (None, [None, *INPUT_SHAPE]) for shape in build_shapes):
        raise ModelExchangeError("The model declares that it is built for another input than 28×28×1 images.")
    return layers


def check_declared_shape(layer: dict, name: str, shape: tuple) -> None:
    """Refuse a layer whose config says it is built (or called) on another input than the one it really gets."""
    expected = [None, *shape]
    build = layer.get("build_config")
    if build is not None and build != {"input_shape": expected}:
        raise ModelExchangeError(f"Layer {name!r} declares that it is built for an input of "
                                 f"{str(build)[:60]}, but it gets {tuple(expected)}.")
    for node in layer.get("inbound_nodes") or []:
        for argument in node.get("args", []):
            if argument["config"].get("shape") != expected or argument["config"].get("dtype") not in (DTYPE, None):
                raise ModelExchangeError(f"Layer {name!r} declares an input of another shape than {tuple(expected)}.")


def measure_model_config(model_config: dict) -> ModelSize:
    """Walk the chain from the 28×28×1 input: every layer known and checked, shapes, parameters, FLOPs, largest
    activation; ModelExchangeError (naming the layer) for anything unknown or inconsistent."""
    layers = read_layer_chain(model_config)
    check_helper_objects({"dtype": model_config["config"].get("dtype")}, "The model")
    shape = read_input_shape(layers[0])
    check_helper_objects(layers[0]["config"], "The model's input")
    parameters = flops = 0
    largest = math.prod(shape)
    for index, layer in enumerate(layers[1:], start=1):
        name, class_name = describe_layer(layer, index)
        if class_name == "InputLayer":
            raise ModelExchangeError(f"Layer {name!r} is a second input: only simple chains of layers are supported.")
        where = f"Layer {name!r} ({class_name})"
        check_helper_objects(layer["config"], where)
        check_declared_shape(layer, name, shape)
        cost = measure_layer(name, class_name, layer["config"], shape)
        shape = cost.output_shape
        parameters, flops, largest = parameters + cost.parameters, flops + cost.flops, max(largest, math.prod(shape))
    if shape != (NUM_CLASSES,):
        raise ModelExchangeError(f"The model must give 10 outputs (one per digit); its output shape is "
                                 f"(None, {', '.join(map(str, shape))}).")
    return ModelSize(parameters, flops, largest)


def check_model_size(size: ModelSize) -> None:
    """Raise ModelTooLargeError naming every cap the model passes, with its figure and the cap."""
    excesses = [f"{figure:,} {what} (the limit is {limit:,})" for figure, limit, what in [
        (size.parameters, config.MAX_UPLOAD_PARAMETERS, "parameters"),
        (size.flops, config.MAX_UPLOAD_FLOPS, "FLOPs per image"),
        (size.largest_activation, config.MAX_UPLOAD_ACTIVATION, "numbers in its largest layer output"),
    ] if figure > limit]
    if excesses:
        raise ModelTooLargeError("The model is too large for this server: it needs " + "; ".join(excesses) + ".")


def judge_model_config(model_config: dict) -> ModelSize:
    """The size of a model config that passes every check and cap; ModelExchangeError with the reason otherwise."""
    try:
        size = measure_model_config(model_config)
    except (AttributeError, KeyError, TypeError, IndexError, RecursionError) as error:  # a malformed config
        raise ModelExchangeError(f"The model's config.json is malformed ({type(error).__name__}).") from None
    check_model_size(size)
    return size


def judge_keras_file(keras_bytes: bytes) -> ModelSize:
    """Read and judge the config of .keras bytes; the model's size, or ModelExchangeError."""
    return judge_model_config(read_model_config(keras_bytes))
