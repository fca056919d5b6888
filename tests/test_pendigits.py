"""The real-handwriting set: loading stroke lists, rendering them like canvas drawings, the writer split."""

import gzip
import json

import numpy as np
import pytest

from mnist_cnn.config import CANVAS_SIZE
from mnist_cnn.data.pendigits import (CONDITIONS, HELD_OUT_WRITERS, DrawingCondition, PenDigit,
                                      load_pendigits, prepare_inputs, render_digit, split_by_writer)

# A vertical bar, written downwards: tablet units, y down.
BAR = PenDigit(1, "w1", (np.array([[50.0, 0.0], [50.0, 100.0]]),))


def ink_box(image: np.ndarray) -> tuple[int, int, int, int]:
    """(top, bottom, left, right) of the pixels brighter than half."""
    rows = np.flatnonzero((image > 127).any(axis=1))
    columns = np.flatnonzero((image > 127).any(axis=0))
    return rows[0], rows[-1], columns[0], columns[-1]


def test_a_bar_drawn_centred_and_large_has_the_expected_size_place_and_pen_width():
    image = render_digit(BAR, DrawingCondition("centred, large", 0.7, 24))
    assert image.shape == (CANVAS_SIZE, CANVAS_SIZE) and image.dtype == np.uint8
    top, bottom, left, right = ink_box(image)
    # 70% of 300 = 210 px tall between the pen's centres, plus the round pen's 12-px cap at each end.
    assert bottom - top + 1 == pytest.approx(210 + 24, abs=2)
    assert right - left + 1 == pytest.approx(24, abs=2)  # the pen's width
    assert (top + bottom) / 2 == pytest.approx(150, abs=1) and (left + right) / 2 == pytest.approx(150, abs=1)


def test_a_thin_pen_draws_a_thin_line():
    image = render_digit(BAR, DrawingCondition("thin", 0.7, 8))
    top, bottom, left, right = ink_box(image)
    assert right - left + 1 == pytest.approx(8, abs=2)


def test_small_off_centre_drawings_are_a_third_of_the_canvas_and_stay_inside_it():
    condition = next(condition for condition in CONDITIONS if condition.off_centre)
    rng = np.random.default_rng(0)
    centres = []
    for _ in range(20):
        top, bottom, left, right = ink_box(render_digit(BAR, condition, rng))
        assert bottom - top + 1 == pytest.approx(CANVAS_SIZE / 3 + condition.pen_width, abs=2)
        assert top > 0 and left > 0 and bottom < CANVAS_SIZE - 1 and right < CANVAS_SIZE - 1
        centres.append(((top + bottom) / 2, (left + right) / 2))
    assert np.ptp(np.array(centres), axis=0).min() > 50  # they move around


def test_a_dot_is_a_round_blob_of_the_pen_width():
    dot = PenDigit(0, "w1", (np.array([[3.0, 3.0]]), np.array([[0.0, 0.0], [0.0, 10.0]])))
    image = render_digit(dot, DrawingCondition("c", 0.7, 20))
    assert (image > 127).sum() > 0


def test_load_reads_labels_writers_and_strokes(tmp_path):
    path = tmp_path / "pens.jsonl.gz"
    rows = [{"label": 7, "writer": "w3", "strokes": [[[0, 0], [10, 0], [5, 20]]]},
            {"label": 1, "writer": "w1", "strokes": [[[0, 0], [0, 20]], [[1, 1], [2, 2]]]}]
    with gzip.open(path, "wt") as file:
        file.write("\n".join(json.dumps(row) for row in rows))
    digits = load_pendigits(path)
    assert [digit.label for digit in digits] == [7, 1]
    assert digits[1].strokes[1].shape == (2, 2)
    trainable, held_out = split_by_writer(digits)
    assert [digit.writer for digit in held_out] == ["w3"] and [digit.writer for digit in trainable] == ["w1"]


def test_held_out_writers_are_every_third_writer():
    assert HELD_OUT_WRITERS == tuple(f"w{number}" for number in (3, 6, 9, 12, 15, 18, 21, 24, 27, 30))


def test_prepared_inputs_look_like_mnist_digits():
    inputs, labels, kept = prepare_inputs([BAR, BAR], CONDITIONS[0])
    assert inputs.shape == (2, 28, 28) and kept.all() and list(labels) == [1, 1]
    assert inputs.max() == pytest.approx(1.0) and inputs[:, :4].max() == 0  # ink within the 20-px box
