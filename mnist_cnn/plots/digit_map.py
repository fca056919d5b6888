"""The digit map: test digits in 2-D with their picture on hover, right and wrong apart, and the drawing on it."""

import altair as alt
import numpy as np
import pandas as pd

from mnist_cnn.explain.choices import BY_ANSWER, BY_DIGIT, COLOUR_CHOICES  # noqa: F401 (named here too)
from mnist_cnn.inputs.images import enlarge_pixels, to_png_data_url

# How a map is coloured (COLOUR_CHOICES: explain/choices.py), the thumbnails' enlargement on hover, and the
# colours of right and wrong answers.
THUMBNAIL_SCALE = 2
RIGHT_COLOUR, WRONG_COLOUR = "#9ecae1", "#d62728"
MAP_HEIGHT = 460


def make_digit_thumbnails(images: np.ndarray) -> list[str]:
    """Each (28, 28) digit as a small PNG data URL (enlarged THUMBNAIL_SCALE times), for the hover tooltip."""
    return [to_png_data_url(enlarge_pixels(image, THUMBNAIL_SCALE)) for image in np.asarray(images)]


def describe_axes(method: str, explained: np.ndarray) -> tuple[str, str]:
    """The two axis titles: PCA's share of the variance, or t-SNE's (meaningless) axes."""
    if method == "PCA":
        return f"PCA axis 1 ({explained[0]:.0%} of the variance)", f"PCA axis 2 ({explained[1]:.0%})"
    return f"{method} 1 (only distances between neighbours mean something)", f"{method} 2"


def make_digit_map_chart(points: np.ndarray, labels: np.ndarray, predictions: np.ndarray, thumbnails: list[str],
                         drawing_point: np.ndarray | None, method: str, explained: np.ndarray,
                         colour_by: str = BY_DIGIT) -> alt.LayerChart:
    """Dots coloured by true digit (or right/wrong), wrong answers as crosses; the drawing as a black diamond."""
    if colour_by not in COLOUR_CHOICES:
        raise ValueError(f"colour_by must be one of {', '.join(COLOUR_CHOICES)}, got {colour_by!r}")
    right = np.asarray(predictions) == np.asarray(labels)
    digits = pd.DataFrame({"x": points[:, 0], "y": points[:, 1], "digit": np.asarray(labels).astype(str),
                           "answer": np.asarray(predictions).astype(str),
                           "result": np.where(right, "right", "wrong"), "image": thumbnails})
    x_title, y_title = describe_axes(method, explained)
    if colour_by == BY_DIGIT:
        colour = alt.Color("digit:N", scale=alt.Scale(scheme="category10"), title="true digit")
    else:
        colour = alt.Color("result:N", scale=alt.Scale(domain=["right", "wrong"], range=[RIGHT_COLOUR, WRONG_COLOUR]),
                           title="the model's answer")
    dots = alt.Chart(digits).mark_point(filled=True, opacity=0.7).encode(
        x=alt.X("x:Q", title=x_title), y=alt.Y("y:Q", title=y_title), color=colour,
        shape=alt.Shape("result:N", scale=alt.Scale(domain=["right", "wrong"], range=["circle", "cross"]),
                        title="the model's answer"),
        size=alt.condition("datum.result == 'wrong'", alt.value(80), alt.value(26)),
        order=alt.Order("result:N"),  # the wrong ones drawn last, on top
        tooltip=[alt.Tooltip("image:N"), alt.Tooltip("digit:N", title="true digit"),
                 alt.Tooltip("answer:N", title="the model said")])
    if drawing_point is None:
        return dots.properties(height=MAP_HEIGHT)
    drawing = pd.DataFrame({"x": [float(drawing_point[0])], "y": [float(drawing_point[1])], "what": ["your digit"]})
    star = alt.Chart(drawing).mark_point(shape="diamond", size=320, filled=True, color="black", opacity=1,
                                         stroke="white", strokeWidth=1.5).encode(x="x:Q", y="y:Q",
                                                                                 tooltip=["what:N"])
    return (dots + star).properties(height=MAP_HEIGHT)
