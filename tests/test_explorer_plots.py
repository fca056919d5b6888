"""Tests of mnist_cnn.plots.explorer: the per-digit table, the clickable confusion matrix and digit grids."""

import numpy as np
import pytest

from mnist_cnn.plots.explorer import (CELL_SELECTION, RIGHT_COLOUR, WRONG_COLOUR, make_class_metrics_frame,
                                      make_confusion_chart, make_confusion_frame, make_digit_grid_figure,
                                      make_sample_grid_figure)


def test_class_metrics_table_from_a_known_confusion_matrix():
    confusion = np.zeros((10, 10), int)
    confusion[4, 4], confusion[4, 9], confusion[9, 9] = 8, 2, 5
    frame = make_class_metrics_frame(confusion)
    assert list(frame["digit"]) == list(range(10))
    assert frame.loc[4, "errors"] == 2
    assert frame.loc[4, "most often mistaken for"] == "9 (2×)"
    assert frame.loc[9, "most often mistaken for"] == "–"
    assert frame.loc[4, "accuracy"] == pytest.approx(0.8)
    assert frame.loc[9, "precision"] == pytest.approx(5 / 7)


def test_confusion_chart_tells_the_diagonal_apart_and_is_selectable():
    confusion = np.random.default_rng(0).integers(0, 30, (10, 10))
    np.fill_diagonal(confusion, 900)
    frame = make_confusion_frame(confusion, selected=(4, 9))
    assert len(frame) == 100
    assert frame["count"].sum() == confusion.sum()
    assert frame.set_index(["true", "predicted"]).loc[(4, 9), "count"] == confusion[4, 9]
    diagonal = frame[frame["true"] == frame["predicted"]]
    off_diagonal = frame[frame["true"] != frame["predicted"]]
    assert set(diagonal["fill"]).isdisjoint(set(off_diagonal["fill"]))
    assert frame["selected"].sum() == 1
    spec = make_confusion_chart(confusion).to_dict()
    assert CELL_SELECTION in str(spec["params"])
    with pytest.raises(ValueError):
        make_confusion_frame(np.zeros((3, 3)))


def test_sample_grid_colours_right_and_wrong_titles():
    images = np.zeros((5, 28, 28), np.uint8)
    figure = make_sample_grid_figure(images, np.array([1, 2, 3, 4, 5]), np.array([1, 2, 9, 4, 0]), columns=3)
    titles = [ax.title for ax in figure.axes if ax.get_title()]
    assert [title.get_text() for title in titles] == ["1 → 1 ✓", "2 → 2 ✓", "3 → 9 ✗", "4 → 4 ✓", "5 → 0 ✗"]
    colours = [title.get_color() for title in titles]
    assert colours == [RIGHT_COLOUR, RIGHT_COLOUR, WRONG_COLOUR, RIGHT_COLOUR, WRONG_COLOUR]
    assert len(figure.axes) == 6  # 2 rows of 3, the last one empty
    with pytest.raises(ValueError):
        make_digit_grid_figure(images, ["a"], ["red"])
