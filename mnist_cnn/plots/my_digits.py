"""Charts of the My digits page."""

import altair as alt
import pandas as pd


def make_counts_chart(counts: dict[int, int]) -> alt.Chart:
    """A bar chart of how many drawings there are of each digit."""
    table = pd.DataFrame({"digit": [str(digit) for digit in counts], "drawings": list(counts.values())})
    return alt.Chart(table).mark_bar(color="#4c78a8").encode(
        x=alt.X("digit:N", axis=alt.Axis(labelAngle=0)), y="drawings:Q",
        tooltip=["digit", "drawings"]).properties(height=140)
