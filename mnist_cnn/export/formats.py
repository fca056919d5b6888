"""A model in the formats other tools run: TensorFlow Lite (TensorFlow's own converter) and ONNX (Keras' exporter)."""

import contextlib
import io
import tempfile
from pathlib import Path

import keras
import numpy as np


class ExportError(ValueError):
    """A model could not be converted; the message says to what and why."""


def copy_model(model: keras.Model) -> keras.Model:
    """An independent copy with the same weights (converters trace the model: the cached one is left alone)."""
    copy = keras.models.clone_model(model)
    copy.set_weights(model.get_weights())
    copy(np.zeros((1, *model.input_shape[1:]), "float32"), training=False)  # exporters want a model that has run
    return copy


def convert_to_tflite(model: keras.Model) -> bytes:
    """The model as a .tflite flatbuffer (float32, input (batch, 28, 28, 1), output the 10 probabilities)."""
    import tensorflow as tf

    try:
        with contextlib.redirect_stdout(io.StringIO()):  # the converter prints the SavedModel it writes
            return tf.lite.TFLiteConverter.from_keras_model(copy_model(model)).convert()
    except Exception as error:  # the converter raises many types; the user gets one message
        raise ExportError(f"TensorFlow Lite conversion failed: {type(error).__name__}: {str(error)[:300]}") from error


def convert_to_onnx(model: keras.Model) -> bytes:
    """The model as an .onnx file (Keras 3's exporter, which runs tf2onnx; input 'image' (batch, 28, 28, 1))."""
    try:
        import tf2onnx  # noqa: F401 (Keras' ONNX export needs it on the TensorFlow backend)
    except ImportError as error:
        raise ExportError("ONNX export needs the tf2onnx package, which is not installed.") from error
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "model.onnx"
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                copy_model(model).export(str(path), format="onnx", verbose=False)
            return path.read_bytes()
        except Exception as error:
            raise ExportError(f"ONNX conversion failed: {type(error).__name__}: {str(error)[:300]}") from error


# Formats a model can be downloaded in: name -> (file suffix, MIME type, converter).
MODEL_FORMATS = {
    "tflite": (".tflite", "application/octet-stream", convert_to_tflite),
    "onnx": (".onnx", "application/octet-stream", convert_to_onnx),
}


def convert_model(model: keras.Model, format_name: str) -> bytes:
    """The model converted to one of MODEL_FORMATS."""
    if format_name not in MODEL_FORMATS:
        raise ExportError(f"Unknown format {format_name!r}; choose one of {', '.join(MODEL_FORMATS)}.")
    return MODEL_FORMATS[format_name][2](model)
