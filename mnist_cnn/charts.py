"""Altair charts shared by several pages."""

import altair as alt
import numpy as np
import pandas as pd


def make_probability_chart(probabilities: np.ndarray, true_digit: int | None = None,
                           height: int = 220) -> alt.Chart:
    """Bars of the ten class probabilities; the top class (and the true digit, if given) highlighted."""
    probabilities = np.asarray(probabilities, dtype=float).reshape(-1)
    if probabilities.shape != (10,):
        raise ValueError(f"expected 10 probabilities, got shape {probabilities.shape}")
    top = int(probabilities.argmax())
    frame = pd.DataFrame({
        "digit": [str(d) for d in range(10)],
        "probability": probabilities,
        "role": ["prediction" if d == top else ("true digit" if d == true_digit else "other")
                 for d in range(10)],
    })
    colour = alt.Color("role:N", scale=alt.Scale(domain=["prediction", "true digit", "other"],
                                                 range=["#e4572e", "#17becf", "#9aa5b1"]),
                       legend=None)
    bars = alt.Chart(frame).mark_bar().encode(
        x=alt.X("digit:N", sort=None, title="digit", axis=alt.Axis(labelAngle=0)),
        y=alt.Y("probability:Q", scale=alt.Scale(domain=[0, 1]), title="probability"),
        color=colour,
        tooltip=["digit", alt.Tooltip("probability:Q", format=".2%")],
    )
    labels = bars.mark_text(dy=-6, fontSize=11).encode(text=alt.Text("probability:Q", format=".0%"),
                                                       color=alt.value("#333"))
    return (bars + labels).properties(height=height)
