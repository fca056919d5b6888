"""The class view's figures on a small hand-made class: per collection, per digit, cells, worst reads, activity,
and the CSV and .npz exports."""

import io

import numpy as np
import pandas as pd
import pytest

from mnist_cnn.evaluation.class_report import (CSV_COLUMNS, compute_class_confusion, count_activity,
                                               find_most_wrong, list_cells, make_csv, make_npz, make_reads_frame,
                                               select_cell, summarise_collections, summarise_digits)


def one_hot(digit: int, probability: float) -> np.ndarray:
    """Probabilities with `probability` on digit and the rest spread evenly."""
    values = np.full(10, (1 - probability) / 9)
    values[digit] = probability
    return values


@pytest.fixture
def reads():
    """Five drawings: anna's 7 (read 7), 7 (read 1, 10% for 7), 3 (read 3); ben's 4 (read 9, 30% for 4), 4 (read 4)."""
    rows = [("anna", 1, 7, 7, 0.9, "2026-01-01T10:01:00+00:00"), ("anna", 2, 7, 1, 0.1, "2026-01-01T10:03:00+00:00"),
            ("anna", 3, 3, 3, 0.8, "2026-01-01T10:22:00+00:00"), ("ben", 4, 4, 9, 0.3, "2026-01-01T10:04:00+00:00"),
            ("ben", 5, 4, 4, 0.7, "2026-01-01T10:09:00+00:00")]
    probabilities = []
    for _, _, label, read, true_share, _ in rows:
        values = one_hot(read, 0.85)
        values[label] = true_share if label != read else values[label]
        probabilities.append(values / values.sum() if label != read else values)
    return make_reads_frame([row[0] for row in rows], [row[1] for row in rows], [row[2] for row in rows],
                            [row[5] for row in rows], np.array(probabilities), [True, True, True, False, True])


def test_per_collection_and_per_digit(reads):
    table = summarise_collections(reads).set_index("collection")
    assert table.loc["anna", ["drawings", "right"]].tolist() == [3, 2]
    assert table.loc["anna", "accuracy"] == pytest.approx(2 / 3)
    assert table.loc["ben", "not_a_digit"] == 1
    digits = summarise_digits(reads).set_index("digit")
    assert digits.loc[7, "accuracy"] == 0.5 and digits.loc[7, "most often read as"] == "1 (1×)"
    assert np.isnan(digits.loc[0, "accuracy"]) and digits["drawings"].sum() == 5


def test_cells_open_their_drawings_and_mistakes_come_first(reads):
    confusion = compute_class_confusion(reads)
    assert confusion.sum() == 5 and confusion[7, 1] == 1 and confusion[4, 9] == 1
    cells = list_cells(confusion)
    assert [cell[:2] for cell in cells[:2]] == [(4, 9), (7, 1)] and all(t == p for t, p, _ in cells[2:])
    assert reads["id"].iloc[select_cell(reads, 7, 1)].tolist() == [2]
    assert select_cell(reads, 5, 5).size == 0


def test_the_most_wrong_are_the_wrong_reads_with_the_lowest_probability_for_their_label(reads):
    assert reads["id"].iloc[find_most_wrong(reads, 5)].tolist() == [2, 4]
    assert reads["id"].iloc[find_most_wrong(reads, 1)].tolist() == [2]


def test_activity_counts_every_bin_between_the_first_and_the_last(reads):
    activity = count_activity(reads, 5)
    assert activity["drawings"].tolist() == [3, 1, 0, 0, 1]  # 10:00, 10:05, 10:10, 10:15, 10:20
    assert count_activity(reads, 10)["drawings"].tolist() == [4, 0, 1]
    assert count_activity(reads.iloc[0:0], 5).empty
    with pytest.raises(ValueError, match="per 5 or 10 minutes"):
        count_activity(reads, 7)


def test_the_csv_has_one_row_per_drawing_and_the_npz_keeps_images_labels_and_collections(reads):
    table = pd.read_csv(io.BytesIO(make_csv(reads)))
    assert list(table.columns) == CSV_COLUMNS and len(table) == 5
    assert table.iloc[1].tolist()[:3] == ["anna", 7, 1] and table.iloc[0]["created_at"] == "2026-01-01T10:01:00Z"
    images = np.arange(5 * 784, dtype=np.uint32).reshape(5, 28, 28) % 256
    archive = np.load(io.BytesIO(make_npz(images, reads["label"], reads["collection"])))
    assert archive["x"].dtype == np.uint8 and np.array_equal(archive["x"], images.astype(np.uint8))
    assert archive["y"].tolist() == [7, 7, 3, 4, 4] and archive["collection"].tolist()[3] == "ben"


def test_columns_of_different_lengths_are_refused():
    with pytest.raises(ValueError, match="one value per drawing"):
        make_reads_frame(["anna"], [1, 2], [7], ["2026-01-01T10:00:00+00:00"], np.ones((1, 10)) / 10, [True])
