"""'Show me the code': a runnable Keras script and a Jupyter notebook that rebuild and retrain a stored model."""

import json
import textwrap

import keras

from mnist_cnn.export.recipe import Recipe
from mnist_cnn.model.layer_spec import expand_spec, measure_spec

# Constructor settings left out of the written layers when they hold Keras' default.
KERAS_DEFAULTS = {"strides": 1, "padding": "valid", "use_bias": True, "activation": None}
# The environment variable that makes a script a quick check: this many digits, one epoch.
QUICK_VARIABLE = "MNIST_CNN_QUICK"

IMPORTS = '''import os

import keras
import numpy as np
import tensorflow as tf
from keras import layers
'''

DATA_CODE = '''def load_mnist(path: str = MNIST_PATH):
    """MNIST's training and test images (uint8, 28×28) and labels, from a Keras-layout .npz file."""
    with np.load(path) as data:
        return (data["x_train"], data["y_train"]), (data["x_test"], data["y_test"])


def to_batch(images: np.ndarray) -> np.ndarray:
    """uint8 digits (n, 28, 28) as float32 (n, 28, 28, 1) in [0, 1]."""
    return (images.astype("float32") / 255.0)[..., None]


def augment_batch(images, augmenter, seed: int):
    """Randomly rotate, shift and zoom a batch, and thicken or thin a fifth of its strokes."""
    images = augmenter(images, training=True)  # (batch, 28, 28, 1)
    thicker = tf.nn.max_pool2d(images, ksize=2, strides=1, padding="SAME")  # grey dilation
    thinner = -tf.nn.max_pool2d(-images, ksize=2, strides=1, padding="SAME")  # grey erosion
    choice = tf.random.uniform([tf.shape(images)[0], 1, 1, 1], seed=seed)
    images = tf.where(choice < 0.15, thicker, tf.where(choice > 0.95, thinner, images))
    return tf.clip_by_value(images, 0.0, 1.0)


def make_datasets(x_train, y_train, stage: dict):
    """Hold out validation images, take the subset, shuffle, batch and (optionally) augment."""
    order = np.random.default_rng(stage["seed"]).permutation(len(x_train))
    if stage["train_subset"] is not None:
        order = order[: stage["train_subset"]]
    validation_count = int(round(len(order) * stage["validation_split"]))
    train_index, validation_index = order[validation_count:], order[:validation_count]
    images, labels = to_batch(x_train), y_train.astype("int32")
    train = tf.data.Dataset.from_tensor_slices((images[train_index], labels[train_index]))
    train = train.shuffle(len(train_index), seed=stage["seed"], reshuffle_each_iteration=True)
    train = train.batch(stage["batch_size"])
    if stage["augment"]:
        augmenter = keras.Sequential([
            layers.RandomRotation(0.03, fill_mode="constant", seed=stage["seed"]),  # about ±11 degrees
            layers.RandomTranslation(0.08, 0.08, fill_mode="constant", seed=stage["seed"]),
            layers.RandomZoom(0.1, fill_mode="constant", seed=stage["seed"]),
        ])
        train = train.map(lambda x, y: (augment_batch(x, augmenter, stage["seed"]), y),
                          num_parallel_calls=tf.data.AUTOTUNE)
    validation = None
    if validation_count:
        validation = tf.data.Dataset.from_tensor_slices(
            (images[validation_index], labels[validation_index])).batch(512)
    return train.prefetch(tf.data.AUTOTUNE), validation, len(train_index)


def make_optimizer(stage: dict, steps_per_epoch: int):
    """Adam with a constant rate, or a one-epoch warm-up then cosine decay to zero."""
    if stage["lr_schedule"] == "cosine":
        total = steps_per_epoch * stage["epochs"]
        warmup = min(steps_per_epoch, total // 5)
        rate = keras.optimizers.schedules.CosineDecay(
            stage["learning_rate"] * 0.1, decay_steps=max(total - warmup, 1), alpha=0.0,
            warmup_target=stage["learning_rate"], warmup_steps=warmup)
        return keras.optimizers.Adam(learning_rate=rate)
    return keras.optimizers.Adam(learning_rate=stage["learning_rate"])
'''

TRAIN_CODE = '''def train(stages=STAGES, quick_digits: int = QUICK_DIGITS) -> keras.Model:
    """Build the network, train it stage after stage on MNIST, measure it on the test set and save it."""
    (x_train, y_train), (x_test, y_test) = load_mnist()
    if quick_digits:  # a quick check: the first stage, one epoch, a few digits
        stages = [{**stages[0], "epochs": 1, "train_subset": None}]
        x_train, y_train, x_test, y_test = (part[:quick_digits] for part in (x_train, y_train, x_test, y_test))
    model = None
    for number, stage in enumerate(stages, start=1):
        keras.utils.set_random_seed(stage["seed"])
        train_set, validation, count = make_datasets(x_train, y_train, stage)
        if model is None:
            model = build_model()
        steps_per_epoch = int(np.ceil(count / stage["batch_size"]))
        model.compile(optimizer=make_optimizer(stage, steps_per_epoch), loss="sparse_categorical_crossentropy",
                      metrics=["accuracy"])
        print(f"Stage {number} of {len(stages)}: {stage['epochs']} epochs on {count:,} images")
        model.fit(train_set, validation_data=validation, epochs=stage["epochs"], verbose=2)
    loss, accuracy = model.evaluate(to_batch(x_test), y_test, verbose=0)
    print(f"Test accuracy {accuracy:.2%} (loss {loss:.4f}) on {len(y_test):,} test digits")
    model.save(OUTPUT_PATH)
    print(f"Saved {OUTPUT_PATH}")
    return model
'''


def format_value(value) -> str:
    """A constructor value as Python source (strings in double quotes, as keras-io writes them)."""
    return json.dumps(value) if isinstance(value, str) else repr(value)


def write_layer(class_name: str, name: str, settings: dict) -> str:
    """One layer as Python source, its non-default settings as keywords."""
    arguments = [f"{key}={format_value(value)}" for key, value in settings.items()
                 if key not in KERAS_DEFAULTS or KERAS_DEFAULTS[key] != value]
    return f"layers.{class_name}({', '.join([*arguments, f'name={format_value(name)}'])})"


def write_build_code(recipe: Recipe) -> str:
    """build_model(): the layer list as a keras.Sequential, with each row's output shape as a comment."""
    shapes = [row["output shape"] for row in measure_spec(recipe.spec).rows]
    lines = ['        keras.Input(shape=(28, 28, 1), name="image"),  # (batch, 28, 28, 1)']
    for row_layers, shape in zip(expand_spec(recipe.spec), shapes):
        for position, (class_name, name, settings) in enumerate(row_layers):
            comment = f"  # (batch, {shape.replace('×', ', ')})" if position == len(row_layers) - 1 else ""
            lines.append(f"        {write_layer(class_name, name, settings)},{comment}")
    model_name = "".join(character if character.isalnum() else "_" for character in recipe.model_name)
    return ("def build_model() -> keras.Model:\n"
            '    """The network, layer by layer (output shapes in the comments)."""\n'
            "    return keras.Sequential([\n" + "\n".join(lines) + f"\n    ], name={format_value(model_name)})\n")


def write_settings_code(recipe: Recipe) -> str:
    """Where the data is, where the model goes, the quick-check switch and the recorded stages."""
    stages = "\n".join(f"    {stage!r}," for stage in recipe.stages)
    output = format_value(recipe.model_name + "-retrained.keras")
    return (f"# Where MNIST is (Keras layout: x_train, y_train, x_test, y_test) and where the retrained model goes.\n"
            f'MNIST_PATH = os.environ.get("MNIST_PATH", "data/mnist.npz")\n'
            f'OUTPUT_PATH = os.environ.get("MNIST_CNN_OUTPUT", {output})\n'
            f"# A quick check: set {QUICK_VARIABLE}=300 to train on 300 digits for one epoch (0: the whole recipe).\n"
            f'QUICK_DIGITS = int(os.environ.get("{QUICK_VARIABLE}", "0"))\n'
            f"# The recorded training stages of {recipe.model_name}, in order: each continues the one before.\n"
            f"STAGES = [\n{stages}\n]\n")


def describe_recipe(recipe: Recipe) -> list[str]:
    """The introduction's lines: what the code does, what it needs, and what it leaves out."""
    accuracy = f" (the stored model reached {recipe.test_accuracy:.2%} test accuracy)" if recipe.test_accuracy else ""
    lines = [f"Rebuild and retrain the model {recipe.model_name!r} of the MNIST CNN Explorer with its recorded "
             f"settings{accuracy}.", "",
             f"Written for Keras {keras.__version__} on TensorFlow. It reads MNIST from data/mnist.npz (or MNIST_PATH) "
             "and saves the retrained model as OUTPUT_PATH.",
             f"A quick check: {QUICK_VARIABLE}=300 trains on 300 digits for one epoch."]
    if recipe.notes:
        lines += ["", "Left out: " + "; ".join(recipe.notes) + "."]
    return lines


def list_sections(recipe: Recipe) -> list[tuple[str, str]]:
    """The code in order, as (heading, source) sections: a notebook's cells, a script's parts."""
    return [("Imports and settings", IMPORTS + "\n" + write_settings_code(recipe)),
            ("The network", write_build_code(recipe)),
            ("Data, augmentation and the optimiser", DATA_CODE),
            ("Training", TRAIN_CODE)]


def write_script(recipe: Recipe) -> str:
    """A runnable .py file: `python FILE.py` rebuilds, retrains, evaluates and saves the model."""
    lines = [textwrap.fill(line, 100) for line in describe_recipe(recipe)]
    docstring = '"""' + "\n".join(lines).replace('"""', "'''") + '\n"""\n\n'
    body = "\n\n".join(source for _, source in list_sections(recipe))
    return docstring + body + '\n\nif __name__ == "__main__":\n    train()\n'


def make_cell(cell_type: str, source: str, number: int) -> dict:
    """One notebook cell (nbformat 4.5: every cell has an id)."""
    cell = {"cell_type": cell_type, "id": f"cell-{number}", "metadata": {},
            "source": source.rstrip("\n").splitlines(keepends=True)}
    if cell_type == "code":
        cell.update(execution_count=None, outputs=[])
    return cell


def write_notebook(recipe: Recipe) -> str:
    """A Jupyter notebook (.ipynb JSON): the script's sections as cells, ending with a cell that trains."""
    cells = [("markdown", f"# {recipe.model_name}\n\n" + "\n".join(describe_recipe(recipe)))]
    for heading, source in list_sections(recipe):
        cells += [("markdown", f"## {heading}"), ("code", source)]
    cells.append(("code", "model = train()\nmodel.summary()"))
    notebook = {"nbformat": 4, "nbformat_minor": 5, "cells": [make_cell(kind, source, number)
                                                              for number, (kind, source) in enumerate(cells)],
                "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
                             "language_info": {"name": "python"}}}
    return json.dumps(notebook, indent=1, ensure_ascii=False) + "\n"
