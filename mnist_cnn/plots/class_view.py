"""Charts of the class view: the class's activity over time."""

import altair as alt
import pandas as pd

# The bars' colour (the My digits counts chart's blue).
ACTIVITY_COLOUR = "#4c78a8"


def make_activity_chart(activity: pd.DataFrame, minutes: int, height: int = 180) -> alt.Chart:
    """Bars of drawings saved per `minutes` bin (activity: columns time (UTC) and drawings)."""
    return alt.Chart(activity).mark_bar(color=ACTIVITY_COLOUR).encode(
        x=alt.X("time:T", title=f"time ({minutes}-minute bins)"),
        y=alt.Y("drawings:Q", title="drawings saved"),
        tooltip=[alt.Tooltip("time:T", title="from", format="%H:%M"), alt.Tooltip("drawings:Q", title="drawings")],
    ).properties(height=height)
