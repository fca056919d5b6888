"""The real-input rows of `make bench`: held-out kinds marked and averaged, doodles split, writers listed."""

from benchmarks.run_benchmarks import make_not_a_digit_rows, make_per_writer_row, make_writer_rows
from mnist_cnn.data import outliers


def test_not_a_digit_rows_mark_and_average_the_kinds_never_trained_on():
    flagged = {kind: 0.5 for kind in outliers.MEASURED_KINDS}
    flagged["script letters"] = 1.0
    flagged["print letters"] = 0.0  # trained on: not in the mean
    rows = dict(make_not_a_digit_rows({"flagged": flagged, "per_kind": 400, "per_doodle": 100,
                                       "mnist_test_flagged": 0.004}))
    unseen = len(outliers.UNSEEN_KINDS)
    expected_mean = (0.5 * (unseen - 1) + 1.0) / unseen
    assert rows["Not a digit: all kinds never trained on (letters, shapes, doodles)"].startswith(
        f"{expected_mean:.1%} flagged on average over {unseen} kinds")
    assert rows["Not a digit: script letters flagged (kind never trained on)"] == "100.0% (n ≈ 400)"
    assert rows["Not a digit: print letters flagged"] == "0.0% (n ≈ 400)"
    held_out = rows[f"Not a digit: doodles never trained on ({len(outliers.HELD_OUT_DOODLE_KINDS)} kinds)"]
    assert "apple 50%" in held_out and "face" not in held_out
    taught = rows[f"Not a digit: doodles of kinds trained on ({len(outliers.TAUGHT_DOODLE_KINDS)} kinds)"]
    assert "face 50%" in taught and "apple" not in taught
    assert rows["Not a digit: MNIST test digits wrongly flagged"] == "0.40% (n = 10000)"


def test_per_writer_row_lists_each_writer_by_the_mean_of_the_conditions_lowest_first():
    conditions = {"a": {"per_writer": {"w3": 1.0, "w6": 0.9}}, "b": {"per_writer": {"w3": 0.8, "w6": 0.9}}}
    [(name, value)] = make_per_writer_row(conditions)
    assert value == "w3 90.0%, w6 90.0%" or value == "w6 90.0%, w3 90.0%"
    conditions["b"]["per_writer"]["w6"] = 1.0
    assert make_per_writer_row(conditions)[0][1] == "w3 90.0%, w6 95.0%"


def test_writer_gap_rows_give_both_figures_and_the_gap():
    [(name, value)] = make_writer_rows({"thin pen": {"trained_writers_accuracy": 0.995, "accuracy": 0.99}})
    assert name.endswith("thin pen") and value == "99.50% vs 99.00% (gap 0.50 points)"
