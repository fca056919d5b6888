"""Altair chart of a training replay: accuracy per epoch, with the replayed epoch marked."""

import altair as alt
import numpy as np
import pandas as pd

from mnist_cnn.plots.training import make_history_frame, metric_axis

# The replay's test series and its marker (training and validation keep plots.training's colours).
REPLAY_SPLIT = "test (snapshot digits)"
SERIES_COLOURS = alt.Scale(domain=["training", "validation", REPLAY_SPLIT], range=["#1f77b4", "#e4572e", "#009e73"])
MARKER_COLOUR = "#009e73"  # bluish green: told apart from the orange with colour-blindness


def make_replay_frame(history: dict, epochs: np.ndarray, accuracies: np.ndarray) -> pd.DataFrame:
    """A long table (epoch, split, value): the history's accuracy and each snapshot's test accuracy."""
    if len(epochs) != len(accuracies):
        raise ValueError(f"{len(epochs)} epochs but {len(accuracies)} accuracies")
    frame = make_history_frame(history)
    frame = frame[frame["metric"] == "accuracy"][["epoch", "split", "value"]]
    replay = pd.DataFrame({"epoch": np.asarray(epochs, dtype=int), "split": REPLAY_SPLIT,
                           "value": np.asarray(accuracies, dtype=float)})
    return pd.concat([frame, replay], ignore_index=True)


def make_replay_accuracy_chart(history: dict, epochs: np.ndarray, accuracies: np.ndarray, selected_epoch: int,
                               height: int = 260) -> alt.LayerChart:
    """Accuracy per epoch (training, validation, snapshot test) with a rule and a point at selected_epoch."""
    frame = make_replay_frame(history, epochs, accuracies)
    selected = frame[(frame["split"] == REPLAY_SPLIT) & (frame["epoch"] == selected_epoch)]
    if selected.empty:
        raise ValueError(f"epoch {selected_epoch} has no snapshot")
    colour = alt.Color("split:N", scale=SERIES_COLOURS, title="set", legend=alt.Legend(orient="right"))
    x_axis = alt.X("epoch:Q", title="epoch", axis=alt.Axis(tickMinStep=1, format="d"))
    lines = alt.Chart(frame).mark_line(point=True).encode(
        x=x_axis, y=metric_axis("accuracy", frame["value"]), color=colour,
        tooltip=["epoch:Q", "split:N", alt.Tooltip("value:Q", format=".2%")])
    rule = alt.Chart(selected).mark_rule(color=MARKER_COLOUR, strokeDash=[4, 3]).encode(x="epoch:Q")
    marker = alt.Chart(selected).mark_point(size=220, filled=True, color=MARKER_COLOUR, opacity=1).encode(
        x="epoch:Q", y="value:Q", tooltip=["epoch:Q", alt.Tooltip("value:Q", format=".2%", title="test accuracy")])
    return alt.layer(lines, rule, marker).properties(height=height, title="Accuracy, and the replayed epoch")
