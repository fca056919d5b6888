"""The judge of uploaded models (mnist_cnn/store/upload_config.py): configs read bounded, known layers in a chain,
parameters, FLOPs and the largest activation computed from the config alone and held to the caps."""

import io
import json
import math
import tracemalloc
import zipfile

import keras
import pytest
from keras import layers

from mnist_cnn import config
from mnist_cnn.model.architectures import ARCHITECTURES, build_model
from mnist_cnn.store.upload_config import (ModelTooLargeError, judge_keras_file, judge_model_config,
                                           measure_model_config, read_model_config)
from mnist_cnn.store.upload_errors import ModelExchangeError
from tests.support.uploads import (build_lambda_model, build_upsampling_model, make_conv_stack_config,
                                   make_dense_giant_config, make_keras_archive, make_layer, make_sequential_config,
                                   save_model_bytes, save_single_layer_bytes)


def make_zip(members: dict[str, bytes]) -> bytes:
    """A zip of the members, as given."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def judge_saved(model: keras.Model, tmp_path):
    """Judge the config.json model.save writes for model."""
    return judge_keras_file(save_model_bytes(model, tmp_path))


@pytest.mark.parametrize("architecture", list(ARCHITECTURES))
def test_the_six_architectures_pass_with_room_to_spare(architecture, tmp_path):
    model = build_model(architecture)
    size = judge_saved(model, tmp_path)
    assert size.parameters == model.count_params()
    assert size.largest_activation == max(784, *(math.prod(layer.output.shape[1:]) for layer in model.layers))
    assert 4 * size.parameters < config.MAX_UPLOAD_PARAMETERS
    assert 4 * size.flops < config.MAX_UPLOAD_FLOPS
    assert 3.9 * size.largest_activation < config.MAX_UPLOAD_ACTIVATION


def test_a_functional_chain_counts_as_its_sequential_twin(tmp_path):
    sequential = build_model("keras_example")
    inputs = keras.Input((28, 28, 1))
    outputs = inputs
    for layer in sequential.layers:
        outputs = layer.__class__.from_config(layer.get_config())(outputs)
    assert judge_saved(keras.Model(inputs, outputs), tmp_path) == judge_saved(sequential, tmp_path)


def test_every_allowed_layer_type_is_measured_as_keras_counts_it(tmp_path):
    model = keras.Sequential([
        keras.Input((28, 28, 1)), layers.Rescaling(2.0, offset=-1.0), layers.ZeroPadding2D(((1, 2), (0, 1))),
        layers.Conv2D(8, 3, strides=2, padding="same"), layers.BatchNormalization(center=False), layers.ReLU(6.0),
        layers.Conv2D(8, (3, 2), groups=2, use_bias=False, dilation_rate=2), layers.LeakyReLU(0.1),
        layers.DepthwiseConv2D(3, depth_multiplier=2, padding="same"), layers.ELU(),
        layers.SeparableConv2D(12, 3, depth_multiplier=2), layers.GaussianNoise(0.1),
        layers.SpatialDropout2D(0.1), layers.AveragePooling2D(3, strides=1, padding="same"),
        layers.Cropping2D(((1, 0), (0, 1))), layers.MaxPooling2D(2), layers.Activation("gelu"),
        layers.Dense(6), layers.GlobalMaxPooling2D(keepdims=True), layers.Reshape((-1, 3)), layers.Softmax(),
        layers.Flatten(), layers.Dropout(0.5), layers.Dense(10, activation="softmax"),
    ])
    size = judge_saved(model, tmp_path)
    assert size.parameters == model.count_params()
    assert size.largest_activation == max(784, *(math.prod(layer.output.shape[1:]) for layer in model.layers))


def test_flops_count_each_multiply_add_twice():
    one_conv = make_sequential_config(make_layer("Conv2D", "conv", filters=4, kernel_size=3, use_bias=False),
                                      make_layer("GlobalAveragePooling2D", "pool"),
                                      make_layer("Dense", "out", units=10, activation="softmax"))
    size = measure_model_config(one_conv)
    assert size.flops == 2 * 26 * 26 * 4 * 9 + 26 * 26 * 4 + 2 * 4 * 10
    assert size.parameters == 36 + 4 * 10 + 10 and size.largest_activation == 26 * 26 * 4


@pytest.mark.parametrize("make_config, words", [
    (lambda tmp_path: build_upsampling_model(), "'UpSampling2D', which an uploaded model may not use"),
    (lambda tmp_path: build_lambda_model(), "'Lambda', which an uploaded model may not use"),
    (lambda tmp_path: make_sequential_config(make_layer("Evil", "evil"), make_layer("Dense", "d", units=10)),
     "'Evil', which an uploaded model may not use"),
    (lambda tmp_path: make_dense_giant_config(), r"1,590,000,010 parameters \(the limit is 1,000,000\)"),
    (lambda tmp_path: make_conv_stack_config(16, 512), r"FLOPs per image \(the limit is 100,000,000\)"),
], ids=["upsampling", "lambda", "unknown-type", "dense-2-million", "16-conv-512"])
def test_the_hostile_findings_are_refused_from_the_config_alone_in_little_memory(make_config, words, tmp_path):
    made = make_config(tmp_path)
    data = save_model_bytes(made, tmp_path) if isinstance(made, keras.Model) else make_keras_archive(made)
    tracemalloc.start()
    try:
        with pytest.raises(ModelExchangeError, match=words):
            judge_keras_file(data)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2 * 2**20  # the judge reads a small JSON; nothing is built


def test_a_model_only_too_slow_is_refused_by_its_flops():
    with pytest.raises(ModelTooLargeError, match="FLOPs per image") as refused:
        judge_model_config(make_conv_stack_config(16, 64))
    assert "parameters" not in str(refused.value) and "largest layer" not in str(refused.value)


@pytest.mark.parametrize("cap, figure", [("MAX_UPLOAD_PARAMETERS", "parameters"), ("MAX_UPLOAD_FLOPS", "flops"),
                                         ("MAX_UPLOAD_ACTIVATION", "largest_activation")])
def test_each_size_cap_admits_a_model_exactly_on_it_and_refuses_one_past(cap, figure, monkeypatch):
    model_config = make_conv_stack_config(2, 16)
    value = getattr(measure_model_config(model_config), figure)
    monkeypatch.setattr(config, cap, value)
    assert getattr(judge_model_config(model_config), figure) == value
    monkeypatch.setattr(config, cap, value - 1)
    with pytest.raises(ModelTooLargeError, match=f"{value:,} .*the limit is {value - 1:,}"):
        judge_model_config(model_config)


def make_branch_config() -> dict:
    """A functional model whose second Dense reads the input again instead of the layer before it."""
    inputs = keras.Input((28, 28, 1))
    flat = layers.Flatten()(inputs)
    layers.Dense(10)(flat)
    outputs = layers.Dense(10, activation="softmax")(flat)
    return keras.saving.serialize_keras_object(keras.Model(inputs, outputs))


def replace_in_layer(model_config: dict, index: int, **settings) -> dict:
    """model_config with settings replaced in the config of layer index."""
    model_config["config"]["layers"][index]["config"].update(settings)
    return model_config


@pytest.mark.parametrize("make_config, words", [
    (lambda: make_sequential_config(make_layer("Flatten", "f"), make_layer("Dense", "d", units=10),
                                    input_shape=(32, 32, 3)), "28×28×1"),
    (lambda: make_sequential_config(make_layer("Flatten", "f"), make_layer("Dense", "d", units=5)), "10 outputs"),
    (lambda: make_sequential_config(make_layer("Flatten", "f"), make_layer("Dense", "d", units=10, activation={
        "module": "builtins", "class_name": "function", "config": "eval", "registered_name": "function"})),
     "activation"),
    (lambda: make_sequential_config(make_layer("Flatten", "f"), make_layer("Dense", "d", units=10, dtype="float64")),
     "float64"),
    (lambda: make_sequential_config(make_layer("Flatten", "f"), {
        **make_layer("Dense", "d", units=10), "registered_name": "MyDense"}), "'Dense', which an uploaded model"),
    (lambda: make_sequential_config(make_layer("Flatten", "f"), make_layer("Dense", "d", units=10, kernel_initializer={
        "module": "keras", "class_name": "__numpy__", "config": {"value": [1], "dtype": "float32"}})), "__numpy__"),
    (lambda: make_sequential_config(make_layer("Flatten", "f"), {
        **make_layer("Dense", "d", units=10), "build_config": {"input_shape": [None, 10**9]}}), "declares"),
    (lambda: make_sequential_config(make_layer("Conv2D", "c", filters=2, kernel_size=40),
                                    make_layer("Dense", "d", units=10)), "does not fit"),
    (lambda: make_sequential_config(make_layer("Conv2D", "c", filters="many", kernel_size=3)), "'filters' must be"),
    (lambda: {"module": "keras", "class_name": "Sequential", "config": {"layers": "none"}}, "keras.Sequential"),
    (lambda: make_sequential_config(make_layer("Dense", "d", units=10), make_layer("Dense", "d", units=10)),
     "same name"),
    (make_branch_config, "simple chains"),
    (lambda: make_sequential_config(make_layer("InputLayer", "again", batch_shape=[None, 784])), "second input"),
    (lambda: replace_in_layer(make_sequential_config(make_layer("Flatten", "f")), 0, batch_shape=[2, 28, 28, 1]),
     r"input shape \(None, 28, 28, 1\)"),
], ids=["input", "outputs", "function-activation", "float64", "custom-registered", "numpy-initializer",
        "lying-build-config", "window-too-wide", "bad-filters", "not-a-model", "same-names", "branch", "second-input",
        "fixed-batch"])
def test_configs_a_visitor_could_write_are_refused_with_a_clear_reason(make_config, words):
    with pytest.raises(ModelExchangeError, match=words):
        judge_model_config(make_config())


def test_a_saved_layer_is_not_a_model(tmp_path):
    with pytest.raises(ModelExchangeError, match="uploads must be a keras.Sequential model"):
        judge_keras_file(save_single_layer_bytes(tmp_path))


def test_the_archive_may_hold_only_what_model_save_writes():
    model_config = make_conv_stack_config(1, 4)
    with pytest.raises(ModelExchangeError, match="'assets/evil.py'"):
        read_model_config(make_keras_archive(model_config, {"assets/evil.py": b"print(1)"}))
    with pytest.raises(ModelExchangeError, match="not valid JSON"):
        read_model_config(make_zip({"config.json": b"{not json", "model.weights.h5": b""}))
    with pytest.raises(ModelExchangeError, match="damaged"):
        read_model_config(make_keras_archive(model_config)[:-30])


@pytest.mark.parametrize("excess", [0, 1], ids=["on-limit", "one-past"])
def test_the_unpacked_size_cap_admits_exactly_its_bytes(excess, monkeypatch):
    model_config = make_conv_stack_config(1, 4)
    data = make_keras_archive(model_config, {"model.weights.h5": bytes(1000)})
    unpacked = sum(member.file_size for member in zipfile.ZipFile(io.BytesIO(data)).infolist())
    monkeypatch.setattr(config, "MAX_UPLOAD_UNPACKED_BYTES", unpacked - excess)
    if excess:
        with pytest.raises(ModelTooLargeError, match="The model unpacks to"):
            read_model_config(data)
    else:
        assert read_model_config(data) == model_config


@pytest.mark.parametrize("excess", [0, 1], ids=["on-limit", "one-past"])
def test_the_config_size_cap_admits_exactly_its_bytes(excess, monkeypatch):
    model_config = make_conv_stack_config(1, 4)
    monkeypatch.setattr(config, "MAX_UPLOAD_CONFIG_BYTES", len(json.dumps(model_config)) - excess)
    if excess:
        with pytest.raises(ModelTooLargeError, match="config.json is larger than"):
            read_model_config(make_keras_archive(model_config))
    else:
        assert read_model_config(make_keras_archive(model_config)) == model_config


def test_zero_weights_that_unpack_to_318_mb_are_refused_from_the_archive_headers():
    buffer = io.BytesIO()  # the finding: a 0.3 MB upload stored as 318 MB; written in chunks, never held unpacked
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("config.json", json.dumps(make_conv_stack_config(1, 4)))
        with archive.open("model.weights.h5", "w", force_zip64=True) as member:
            for _ in range(318):
                member.write(bytes(2**20))
    assert len(buffer.getvalue()) < 2**20
    tracemalloc.start()
    try:
        with pytest.raises(ModelTooLargeError, match="The model unpacks to 318.0 MB; the limit is 32 MB"):
            read_model_config(buffer.getvalue())
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 4 * 2**20
