"""The class view's activity chart: one bar per bin, spanning the bin."""

import pandas as pd

from mnist_cnn.plots.class_view import make_activity_chart


def test_each_bar_spans_its_bin():
    activity = pd.DataFrame({"time": pd.to_datetime(["2026-01-01T10:00:00Z", "2026-01-01T10:10:00Z"]),
                             "drawings": [3, 0]})
    spec = make_activity_chart(activity, 10).to_dict()
    rows = next(iter(spec["datasets"].values()))
    assert [row["drawings"] for row in rows] == [3, 0]
    assert [row["end"] for row in rows] == ["2026-01-01T10:10:00+00:00", "2026-01-01T10:20:00+00:00"]
    assert spec["encoding"]["x2"]["field"] == "end" and "10-minute" in spec["encoding"]["x"]["title"]
