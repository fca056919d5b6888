"""A 28×28 drawing put back on the canvas: its picture reads as the same digit, its Fabric.js drawing shows it."""

import base64

import cv2
import numpy as np
import pytest

from mnist_cnn.config import CANVAS_SIZE
from mnist_cnn.inputs.canvas_drawing import make_canvas_drawing, render_on_canvas
from mnist_cnn.inputs.preprocess import preprocess_drawing


def make_bar() -> np.ndarray:
    """A (28, 28) float32 drawing: a vertical bar in MNIST's 20×20 box."""
    drawing = np.zeros((28, 28), np.float32)
    drawing[4:24, 12:16] = 1.0
    return drawing


def test_the_picture_is_white_ink_on_black_at_the_canvas_size_and_preprocesses_back():
    picture = render_on_canvas(make_bar())
    assert picture.shape == (CANVAS_SIZE, CANVAS_SIZE, 4) and picture.dtype == np.uint8
    assert (picture[:, :, 3] == 255).all() and picture[0, 0, 0] == 0 and picture[150, 150, 0] == 255
    model_input = preprocess_drawing(picture).model_input  # (28, 28), as the canvas's drawing would be
    assert np.corrcoef(model_input.ravel(), make_bar().ravel())[0, 1] > 0.8


def test_the_fabric_drawing_is_one_image_of_that_picture():
    drawing = make_canvas_drawing(make_bar())
    [image] = drawing["objects"]
    assert image["type"] == "Image" and (image["width"], image["height"]) == (CANVAS_SIZE, CANVAS_SIZE)
    header, encoded = image["src"].split(",", 1)
    assert header == "data:image/png;base64"
    decoded = cv2.imdecode(np.frombuffer(base64.b64decode(encoded), np.uint8), cv2.IMREAD_GRAYSCALE)
    assert np.array_equal(decoded, render_on_canvas(make_bar())[:, :, 0])


@pytest.mark.parametrize("shape", [(28, 27), (3, 28, 28), (56, 56)])
def test_anything_but_one_28_by_28_drawing_is_refused(shape):
    with pytest.raises(ValueError):
        render_on_canvas(np.zeros(shape, np.float32))
