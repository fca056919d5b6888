"""The map of the Draw page's neighbours block: test digits in the last hidden layer, and the drawing among them."""

import altair as alt
import numpy as np
import pandas as pd


def make_map_chart(points: np.ndarray, labels: np.ndarray, drawing_point: np.ndarray,
                   explained: np.ndarray) -> alt.Chart:
    """The test digits as dots coloured by class with each class's label at its centre, the drawing as a black star."""
    digits = pd.DataFrame({"x": points[:, 0], "y": points[:, 1], "digit": labels.astype(str)})
    dots = alt.Chart(digits).mark_circle(size=14, opacity=0.55).encode(
        x=alt.X("x:Q", title=f"PCA axis 1 ({explained[0]:.0%} of the variance)"),
        y=alt.Y("y:Q", title=f"PCA axis 2 ({explained[1]:.0%})"),
        color=alt.Color("digit:N", scale=alt.Scale(scheme="category10"), title="test digit"),
        tooltip=["digit:N"])
    # Each digit's label at the middle of its cloud: the map reads without telling ten colours apart.
    centres = digits.groupby("digit", as_index=False)[["x", "y"]].median()
    names = alt.Chart(centres).mark_text(fontSize=15, fontWeight="bold", color="#262730").encode(
        x="x:Q", y="y:Q", text="digit:N")
    drawing = pd.DataFrame({"x": [float(drawing_point[0])], "y": [float(drawing_point[1])], "what": ["your drawing"]})
    star = alt.Chart(drawing).mark_point(shape="diamond", size=260, filled=True, color="black",
                                         stroke="white", strokeWidth=1.5).encode(x="x:Q", y="y:Q", tooltip=["what:N"])
    return (dots + names + star).properties(height=380)
