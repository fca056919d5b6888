"""Models for the upload tests: hostile ones built small (a few KB), and configs written by hand as a visitor could."""

import io
import json
import zipfile

import keras
import numpy as np

# A weights member for hand-made archives: the judge never reads it, so a few bytes stand for any size.
STUB_WEIGHTS = b"\x89HDF\r\n\x1a\n"


def make_layer(class_name: str, name: str, **settings) -> dict:
    """One layer entry of a Keras config, as model.save writes it."""
    return {"module": "keras.layers", "class_name": class_name, "config": {"name": name, **settings},
            "registered_name": None}


def make_sequential_config(*layers: dict, input_shape=(28, 28, 1)) -> dict:
    """A Sequential model's config.json: an InputLayer, then the layers."""
    input_layer = make_layer("InputLayer", "image", batch_shape=[None, *input_shape], dtype="float32",
                             sparse=False, ragged=False)
    return {"module": "keras", "class_name": "Sequential", "config": {"name": "hand_made", "layers": [
        input_layer, *layers]}, "registered_name": None}


def make_keras_archive(model_config: dict, members: dict | None = None) -> bytes:
    """The bytes of a .keras archive holding model_config as config.json (weights: a stub unless given)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("metadata.json", json.dumps({"keras_version": keras.__version__}))
        archive.writestr("config.json", json.dumps(model_config))
        for name, data in (members or {"model.weights.h5": STUB_WEIGHTS}).items():
            archive.writestr(name, data)
    return buffer.getvalue()


def make_dense_giant_config(units: int = 2_000_000) -> dict:
    """The 13 KB finding: a config declaring Dense(2,000,000) (3 billion weights once built)."""
    return make_sequential_config(make_layer("Flatten", "flatten"), make_layer("Dense", "giant", units=units),
                                  make_layer("Dense", "probabilities", units=10, activation="softmax"))


def make_conv_stack_config(count: int, filters: int) -> dict:
    """count 3×3 'same' convolutions of filters channels on the full 28×28 image, then a 10-way read-out."""
    convolutions = [make_layer("Conv2D", f"conv{index}", filters=filters, kernel_size=[3, 3], padding="same",
                               activation="relu") for index in range(count)]
    return make_sequential_config(*convolutions, make_layer("GlobalAveragePooling2D", "pool"),
                                  make_layer("Dense", "probabilities", units=10, activation="softmax"))


def save_model_bytes(model: keras.Model, tmp_path, name: str = "model.keras") -> bytes:
    """The .keras bytes of model, written by model.save."""
    path = tmp_path / name
    model.save(path)
    return path.read_bytes()


def build_upsampling_model() -> keras.Model:
    """The 2 KB finding: 30 parameters, but UpSampling2D((100, 100)) makes every image 2,800×2,800."""
    return keras.Sequential([keras.Input((28, 28, 1)), keras.layers.UpSampling2D((100, 100)),
                             keras.layers.Conv2D(1, 3), keras.layers.GlobalAveragePooling2D(),
                             keras.layers.Dense(10, activation="softmax")])


def build_nan_on_digits_model() -> keras.Model:
    """The 1.8 KB finding: uniform probabilities on a blank image, NaN on any real digit (its weights overflow)."""
    model = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(),
                              keras.layers.Dense(10, activation="softmax")])
    model.layers[-1].set_weights([np.full((784, 10), 1e38, "float32"), np.zeros(10, "float32")])
    return model


def build_lambda_model() -> keras.Model:
    """A model with a Lambda layer (Python code in the file)."""
    return keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Lambda(lambda x: x * 2),
                             keras.layers.Flatten(), keras.layers.Dense(10, activation="softmax")])


def save_single_layer_bytes(tmp_path) -> bytes:
    """A .keras holding one Dense layer, not a model (once an AttributeError that escaped the Training page)."""
    from keras.src.saving import saving_lib

    layer = keras.layers.Dense(10)
    layer.build((None, 784))
    path = tmp_path / "layer.keras"
    saving_lib.save_model(layer, path)
    return path.read_bytes()
