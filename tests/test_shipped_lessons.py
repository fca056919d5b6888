"""The three shipped lessons load, and their answers are right by the project's own maths and by Keras: output sizes
from compute_output_size and Conv2D shapes, edges from the Sobel kernels, ReLU and pooling, and the attack's bounds."""

import keras
import numpy as np
import pytest

from mnist_cnn import config
from mnist_cnn.explain.attacks import attack
from mnist_cnn.explain.convolution import KERNEL_PRESETS, apply_kernels
from mnist_cnn.explain.step_by_step import apply_relu, compute_output_size, max_pool
from mnist_cnn.lessons.answers import check_answer
from mnist_cnn.lessons.lesson_files import load_lessons
from mnist_cnn.lessons.options import PAGE_OPTIONS

SHIPPED = ("convolution_arithmetic", "fooling_a_cnn", "what_a_cnn_sees")
PAGES = {path.stem for path in (config.PROJECT_ROOT / "pages").glob("*.py")}
IMAGE_SIDE = 28


@pytest.fixture(scope="module")
def lessons():
    """The shipped lessons by name (loading them must report no problem)."""
    loaded, problems = load_lessons([config.SHIPPED_LESSONS_DIR], PAGES)
    assert problems == []
    return {lesson.name: lesson for lesson in loaded}


def test_the_three_lessons_ship_and_every_answer_passes_its_own_check(lessons):
    assert sorted(lessons) == list(SHIPPED)
    for lesson in lessons.values():
        for step in lesson.steps:
            question = step.question
            given = question.answer if question.kind != "number" else f"{question.answer:g}"
            assert check_answer(question, given), (lesson.name, step.title)


def test_convolution_arithmetic_answers_are_the_output_sizes_of_the_views_they_open(lessons):
    for step in lessons["convolution_arithmetic"].steps:
        padding, stride = int(step.query["padding"]), int(step.query["stride"])
        kernel_size = KERNEL_PRESETS[dict(PAGE_OPTIONS["convolution"]["kernel"].choices)[step.query["kernel"]]].shape[0]
        computed = compute_output_size(IMAGE_SIDE, kernel_size, padding, stride)
        keras_shape = keras.Sequential([keras.Input((IMAGE_SIDE, IMAGE_SIDE, 1)), keras.layers.ZeroPadding2D(padding),
                                        keras.layers.Conv2D(1, kernel_size, strides=stride)]).output_shape
        assert step.question.answer == computed == keras_shape[1] == keras_shape[2], step.title
        assert step.question.tolerance == 0


def horizontal_bar() -> np.ndarray:
    """A bright bar away from the image's borders: (28, 28), dark above rows 10 and below 17."""
    image = np.zeros((IMAGE_SIDE, IMAGE_SIDE), "float32")
    image[10:18, 4:24] = 1.0
    return image


def edge_response(kernel_name: str, image: np.ndarray, rows, cols) -> float:
    """The mean absolute response of a preset kernel (through Keras's Conv2D) over a patch of an edge."""
    return float(np.abs(apply_kernels(image, [KERNEL_PRESETS[kernel_name]])[rows, cols, 0]).mean())


def test_what_a_cnn_sees_answers_hold_for_the_hand_set_kernels_and_any_network(lessons):
    horizontal, vertical, sign, relu, pooling = lessons["what_a_cnn_sees"].steps
    bar = horizontal_bar()
    top_edge = (slice(9, 11), slice(8, 20))  # the middle of the bar's top edge, away from its ends
    responses = {name: edge_response(name, bar, *top_edge) for name in horizontal.question.choices}
    assert max(responses, key=responses.get) == horizontal.question.answer == "Sobel Y"
    stem = bar.T  # the same bar standing up: its long edges are vertical
    responses = {name: edge_response(name, stem, top_edge[1], top_edge[0]) for name in vertical.question.choices}
    assert max(responses, key=responses.get) == vertical.question.answer == "Sobel X"
    sobel_y = apply_kernels(bar, [KERNEL_PRESETS["Sobel Y"]])[..., 0]  # dark above, bright below at the top edge
    assert sign.question.answer == "down" and sobel_y[9:11, 8:20].min() > 0 and sobel_y[17:19, 8:20].max() < 0
    values = np.random.default_rng(0).normal(size=(IMAGE_SIDE, IMAGE_SIDE)).astype("float32")
    assert "ReLU" in relu.question.accepted and np.array_equal(apply_relu(values), np.maximum(values, 0))
    keras_pool = keras.layers.MaxPooling2D(2)(values[np.newaxis, ..., np.newaxis]).shape
    assert pooling.question.answer == max_pool(values).shape[0] == keras_pool[1] == IMAGE_SIDE // 2


def test_fooling_a_cnn_answers_hold_for_the_attack_on_any_model(lessons):
    strength, direction, pixels, method = lessons["fooling_a_cnn"].steps
    keras.utils.set_random_seed(0)  # a small linear-then-softmax model: every pixel has a non-zero gradient
    model = keras.Sequential([keras.Input((IMAGE_SIDE, IMAGE_SIDE, 1)), keras.layers.Conv2D(4, 3),
                              keras.layers.Flatten(), keras.layers.Dense(10, activation="softmax")])
    image = np.clip(np.random.default_rng(1).random((IMAGE_SIDE, IMAGE_SIDE)), 0.2, 0.8).astype("float32")
    epsilon = float(strength.query["strength"])
    result = attack(model, image, epsilon, steps=1)
    change = np.abs(result.perturbation)
    assert abs(change.max() - strength.question.answer) <= strength.question.tolerance  # ε is the largest change
    assert np.allclose(change[change > 0], epsilon, atol=1e-6)  # every changed pixel moved by ε: the gradient's sign
    assert direction.question.accepted[0] == "sign"
    assert pixels.question.answer == image.size and np.count_nonzero(change) == image.size  # not just strokes
    assert method.query["method"] == "pgd" and method.question.answer.startswith("Iterative")
