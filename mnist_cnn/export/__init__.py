"""Taking a model home: TensorFlow Lite and ONNX files, and the Keras code that rebuilds and retrains it."""

from mnist_cnn.export.formats import MODEL_FORMATS, ExportError, convert_model, convert_to_onnx, convert_to_tflite
from mnist_cnn.export.recipe import Recipe, read_recipe
from mnist_cnn.export.script import QUICK_VARIABLE, write_notebook, write_script

__all__ = ["MODEL_FORMATS", "QUICK_VARIABLE", "ExportError", "Recipe", "convert_model", "convert_to_onnx",
           "convert_to_tflite", "read_recipe", "write_notebook", "write_script"]
