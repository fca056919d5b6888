"""A built network trains, saves and reloads with its layer list; its TFLite and ONNX files answer as Keras does; the
generated script retrains it on a few digits; the notebook holds the same code; recipes read the recorded stages."""

import json
import os
import subprocess
import sys
import warnings

import keras
import numpy as np
import pytest

from mnist_cnn import config
from mnist_cnn.export import QUICK_VARIABLE, convert_model, read_recipe, write_notebook, write_script
from mnist_cnn.inputs.images import to_model_batch
from mnist_cnn.model.built_network import BUILT_ARCHITECTURE, read_model_spec, spec_from_model
from mnist_cnn.model.layer_spec import SpecError, measure_spec, validate_spec
from mnist_cnn.store.model_store import ModelStore
from tests.support.built import BUILT_MODEL_NAME, BUILT_SPEC, train_built_model

COMPARED_DIGITS = 50


@pytest.fixture(scope="module")
def built(tmp_path_factory, mnist):
    """The trained built network in a store of its own: (StoredModel, the model loaded back from the store)."""
    stored = train_built_model(tmp_path_factory.mktemp("built"), mnist)
    return stored, ModelStore(stored.model_path.parent).load(BUILT_MODEL_NAME)


@pytest.fixture(scope="module")
def test_digits(mnist):
    """The last 50 test digits as model input (not the ones the model was measured on)."""
    _, (x_test, _) = mnist
    return to_model_batch(x_test[-COMPARED_DIGITS:])  # (50, 28, 28, 1)


def test_a_built_network_trains_saves_and_reloads_with_its_layer_list(built):
    stored, model = built
    spec = validate_spec(BUILT_SPEC)
    assert stored.metadata["architecture"] == BUILT_ARCHITECTURE
    assert stored.metadata["architecture_spec"] == spec
    assert ModelStore(stored.model_path.parent).get(BUILT_MODEL_NAME).metadata["architecture_spec"] == spec
    assert model.count_params() == measure_spec(spec).parameters == stored.metadata["parameter_count"]
    assert spec_from_model(model) == spec == read_model_spec(stored.metadata, model)
    assert [layer.name for layer in model.layers][:4] == ["conv1", "conv1_bn", "conv1_relu", "pool1"]


def run_tflite(model_bytes: bytes, images: np.ndarray) -> np.ndarray:
    """Probabilities from TensorFlow Lite's interpreter, for a batch."""
    import tensorflow as tf

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tf.lite.Interpreter's notice that LiteRT will replace it
        interpreter = tf.lite.Interpreter(model_content=model_bytes)
    source, target = interpreter.get_input_details()[0], interpreter.get_output_details()[0]
    interpreter.resize_tensor_input(source["index"], list(images.shape))
    interpreter.allocate_tensors()
    interpreter.set_tensor(source["index"], images)
    interpreter.invoke()
    return interpreter.get_tensor(target["index"])


def run_onnx(model_bytes: bytes, images: np.ndarray) -> np.ndarray:
    """Probabilities from ONNX Runtime, for a batch."""
    import onnxruntime

    session = onnxruntime.InferenceSession(model_bytes, providers=["CPUExecutionProvider"])
    (source,) = session.get_inputs()
    assert source.name == "image" and source.shape[1:] == [28, 28, 1]
    return session.run(None, {source.name: images})[0]


@pytest.mark.parametrize(("format_name", "run"), [("tflite", run_tflite), ("onnx", run_onnx)])
def test_an_exported_model_answers_as_keras_does(built, test_digits, format_name, run):
    _, model = built
    expected = model(test_digits, training=False).numpy()  # (50, 10)
    answers = run(convert_model(model, format_name), test_digits)
    assert answers.shape == expected.shape
    np.testing.assert_array_equal(answers.argmax(axis=1), expected.argmax(axis=1))
    np.testing.assert_allclose(answers, expected, atol=1e-5)


def test_the_script_retrains_the_model_on_a_few_digits(built, tmp_path):
    stored, model = built
    script = tmp_path / "train_built.py"
    script.write_text(write_script(read_recipe(stored.name, stored.metadata, model)))
    environment = {**os.environ, QUICK_VARIABLE: "300", "MNIST_PATH": str(config.DATA_PATH),
                   "MNIST_CNN_OUTPUT": str(tmp_path / "retrained.keras"), "TF_CPP_MIN_LOG_LEVEL": "2"}
    result = subprocess.run([sys.executable, str(script)], cwd=tmp_path, env=environment, capture_output=True,
                            text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Stage 1 of 1: 1 epochs on 285 images" in result.stdout  # 300 digits less the 5% validation split
    assert "Test accuracy" in result.stdout
    retrained = keras.saving.load_model(tmp_path / "retrained.keras")
    assert spec_from_model(retrained) == stored.metadata["architecture_spec"]


def test_the_notebook_holds_the_scripts_code_cell_by_cell(built):
    stored, model = built
    recipe = read_recipe(stored.name, stored.metadata, model)
    notebook, script = json.loads(write_notebook(recipe)), write_script(recipe)
    assert (notebook["nbformat"], notebook["nbformat_minor"]) == (4, 5)
    code = ["".join(cell["source"]) for cell in notebook["cells"] if cell["cell_type"] == "code"]
    assert len({cell["id"] for cell in notebook["cells"]}) == len(notebook["cells"])
    for source in code[:-1]:
        assert source in script
    compile("\n\n".join(code), "notebook", "exec")
    assert code[-1].startswith("model = train()")
    assert "'epochs': 1" in script and "'batch_size': 64" in script and "'lr_schedule': 'cosine'" in script


def make_stage(how: str, **settings) -> dict:
    """A lineage stage as the store records it."""
    return {"how": how, "hyperparameters": {"architecture": "keras_example", **settings}, "training_seconds": 1.0}


def test_a_recipe_replays_the_stages_it_can_and_says_what_it_leaves_out():
    metadata = {"architecture": "keras_example", "test_accuracy": 0.98, "stages": [
        make_stage("trained", epochs=3, learning_rate=0.002, seed=7),
        make_stage("continued", epochs=2, pen_digit_variants=2, outlier_count=500),
        make_stage("fine-tuned", epochs=2), make_stage("continued", epochs=4)]}
    recipe = read_recipe("mine", metadata, None)
    assert [(stage["epochs"], stage["seed"]) for stage in recipe.stages] == [(3, 7), (2, 0)]
    assert recipe.stages[0]["learning_rate"] == 0.002
    notes = " ".join(recipe.notes)
    assert "stage 3 (fine-tuned)" in notes and "500 non-digit drawings" in notes
    assert "Left out" in write_script(recipe) and "98.00%" in write_script(recipe)


def test_a_recipe_refuses_what_it_cannot_repeat():
    bad = {"architecture": "keras_example", "stages": [make_stage("trained", epochs=1000)]}
    with pytest.raises(ValueError, match="cannot be repeated: Epochs must be between"):
        read_recipe("bad", bad, None)
    pooled = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.AveragePooling2D(2), keras.layers.Flatten(),
                               keras.layers.Dense(10, activation="softmax")])
    with pytest.raises(SpecError, match="AveragePooling2D"):
        read_recipe("uploaded", {"architecture": "uploaded"}, pooled)


def test_continuing_or_fine_tuning_a_built_network_keeps_its_layer_list(built):
    from mnist_cnn.jobs.work import make_finetune_settings
    from mnist_cnn.training.run import load_base
    from mnist_cnn.training.settings import validate_settings

    stored, _ = built
    settings = make_finetune_settings(architecture=BUILT_ARCHITECTURE, base_model=BUILT_MODEL_NAME)
    validate_settings(settings)  # as the sidebar's fine-tune block sends it: the list comes from the base model
    settings, earlier, base = load_base(settings, ModelStore(stored.model_path.parent))
    assert settings.architecture_spec == stored.metadata["architecture_spec"] and base is not None
