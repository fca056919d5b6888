"""Charts of the class view: the class's activity over time."""

import altair as alt
import pandas as pd

# The bars' colour (the My digits counts chart's blue).
ACTIVITY_COLOUR = "#4c78a8"


def make_activity_chart(activity: pd.DataFrame, minutes: int, height: int = 180) -> alt.Chart:
    """Bars of drawings saved per `minutes` bin (activity: columns time (UTC), the bin's start, and drawings)."""
    bins = activity.assign(end=activity["time"] + pd.Timedelta(minutes=minutes))  # each bar spans its bin
    return alt.Chart(bins).mark_bar(color=ACTIVITY_COLOUR, stroke="white").encode(
        x=alt.X("time:T", title=f"time ({minutes}-minute bins, UTC)"), x2="end:T",
        y=alt.Y("drawings:Q", title="drawings saved"),
        tooltip=[alt.Tooltip("time:T", title="from", format="%H:%M"), alt.Tooltip("drawings:Q", title="drawings")],
    ).properties(height=height)
