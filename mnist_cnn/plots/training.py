"""Altair charts of training: loss and accuracy curves (stored or live) and a comparison of stored models."""

import altair as alt
import pandas as pd

from mnist_cnn.training.lineage import read_total_seconds

# Which history keys hold which split of a metric, and the colours of the splits.
SPLITS = {"training": "", "validation": "val_"}
SPLIT_COLOURS = alt.Scale(domain=["training", "validation"], range=["#1f77b4", "#e4572e"])
METRIC_TITLES = {"loss": "loss (cross-entropy)", "accuracy": "accuracy"}
# Stage labels are about LABEL_CHARACTER_PIXELS wide per character on a plot about PLOT_PIXELS wide (half the page);
# each goes in the first row (LABEL_ROW_PIXELS apart) where it clears the labels before it, and one that would run
# past the last epoch ends at its rule instead.
LABEL_CHARACTER_PIXELS = 6
PLOT_PIXELS = 300
LABEL_ROW_PIXELS = 12


def split_colour(show_legend: bool = True) -> alt.Color:
    """Colour by split: training blue, validation orange, with a titled legend on the right.

    Streamlit's theme moves untitled legends below the plot, where they squash it; hence the title.
    """
    return alt.Color("split:N", scale=SPLIT_COLOURS, title="set",
                     legend=alt.Legend(orient="right") if show_legend else None)


def make_history_frame(history: dict) -> pd.DataFrame:
    """A long table (epoch, metric, split, value) from a Keras-style history dict."""
    rows = []
    for metric in METRIC_TITLES:
        for split, prefix in SPLITS.items():
            for index, value in enumerate(history.get(prefix + metric, []) or []):
                if value is not None:
                    rows.append({"epoch": index + 1, "metric": metric, "split": split, "value": float(value)})
    return pd.DataFrame(rows, columns=["epoch", "metric", "split", "value"])


def metric_axis(metric: str, values: pd.Series) -> alt.Y:
    """The y axis of a metric: accuracy zoomed to where the values are, loss from zero."""
    if metric == "accuracy" and len(values):
        low = max(0.0, min(0.9, float(values.min())) - 0.01)
        return alt.Y("value:Q", title=METRIC_TITLES[metric], scale=alt.Scale(domain=[low, 1.0]),
                     axis=alt.Axis(format="%"))
    return alt.Y("value:Q", title=METRIC_TITLES[metric], scale=alt.Scale(zero=True))


def make_history_chart(history: dict, metric: str, height: int = 240,
                       stage_starts: list[tuple[int, str]] = ()) -> alt.Chart:
    """One metric per epoch, training against validation, with points and tooltips; a dashed rule where each
    later stage of the model's lineage begins (stage_starts: (first epoch, label), as lineage.list_stage_starts)."""
    if metric not in METRIC_TITLES:
        raise ValueError(f"metric must be one of {', '.join(METRIC_TITLES)}, not {metric!r}")
    frame = make_history_frame(history)
    frame = frame[frame["metric"] == metric]
    value_format = ".2%" if metric == "accuracy" else ".4f"
    curves = alt.Chart(frame).mark_line(point=True).encode(
        x=alt.X("epoch:Q", title="epoch", axis=alt.Axis(tickMinStep=1, format="d")),
        y=metric_axis(metric, frame["value"]),
        color=split_colour(),
        tooltip=["epoch:Q", "split:N", alt.Tooltip("value:Q", format=value_format)],
    )
    if not stage_starts:
        return curves.properties(height=height, title=metric.capitalize())
    last_epoch = int(frame["epoch"].max()) if len(frame) else max(first for first, _ in stage_starts)
    starts = pd.DataFrame(place_stage_labels(stage_starts, last_epoch))
    rules = alt.Chart(starts).mark_rule(strokeDash=[4, 3], color="#666666").encode(x="epoch:Q", tooltip=["stage:N"])
    labels = [alt.Chart(starts[starts["align"] == align]).mark_text(
        align=align, baseline="top", dx=3 if align == "left" else -3, fontSize=10, color="#444444").encode(
        x="epoch:Q", y=alt.Y("pixels:Q", scale=None), text="short:N", tooltip=["stage:N"])
        for align in ("left", "right")]
    return alt.layer(curves, rules, *labels).properties(height=height, title=metric.capitalize())


def place_stage_labels(stage_starts: list[tuple[int, str]], last_epoch: int) -> list[dict]:
    """One row per stage start: its rule's epoch, label, short label ("stage 2", then only the numbers: "3", "6"),
    alignment and height (pixels from the top), in as few rows as keep the short labels from overlapping."""
    epochs_per_pixel = max(last_epoch, 1) / PLOT_PIXELS
    row_ends, placed = [], []
    for index, (first, label) in enumerate(stage_starts):
        short = label.split(":")[0]
        short = short if index == 0 else short.removeprefix("stage ")
        epoch, width = first - 0.5, (len(short) * LABEL_CHARACTER_PIXELS + 6) * epochs_per_pixel
        align = "left" if epoch + width <= last_epoch + 0.5 else "right"
        left, right = (epoch, epoch + width) if align == "left" else (epoch - width, epoch)
        row = next((number for number, end in enumerate(row_ends) if end <= left), len(row_ends))
        row_ends[row:row + 1] = [right]
        placed.append({"epoch": epoch, "stage": label, "short": short, "align": align,
                       "pixels": 2 + LABEL_ROW_PIXELS * row})
    return placed


def make_live_chart(batch_trace: list, history: dict, metric: str, height: int = 200,
                    compact: bool = False) -> alt.Chart:
    """A running job's metric: the training value batch by batch, validation at each epoch's end."""
    if metric not in METRIC_TITLES:
        raise ValueError(f"metric must be one of {', '.join(METRIC_TITLES)}, not {metric!r}")
    training = pd.DataFrame([{"epoch": point["epoch"], "value": point[metric], "split": "training"}
                             for point in batch_trace if metric in point],
                            columns=["epoch", "value", "split"])
    validation = pd.DataFrame([{"epoch": index + 1, "value": value, "split": "validation"}
                               for index, value in enumerate(history.get("val_" + metric, []))],
                              columns=["epoch", "value", "split"])
    both = pd.concat([training, validation], ignore_index=True)
    value_format = ".2%" if metric == "accuracy" else ".4f"
    y_axis = metric_axis(metric, both["value"])
    encoding = dict(
        x=alt.X("epoch:Q", title=None if compact else "epoch", scale=alt.Scale(zero=True)),
        y=y_axis.title(None) if compact else y_axis,
        color=split_colour(show_legend=not compact),
        tooltip=[alt.Tooltip("epoch:Q", format=".2f"), "split:N", alt.Tooltip("value:Q", format=value_format)],
    )
    lines = alt.Chart(training).mark_line().encode(**encoding)
    points = alt.Chart(validation).mark_line(point=alt.OverlayMarkDef(size=50)).encode(**encoding)
    return (lines + points).properties(height=height, title=metric.capitalize())


def make_comparison_chart(table: pd.DataFrame, height: int = 280) -> alt.Chart:
    """Stored models as points: training time against test accuracy, coloured by architecture."""
    required = {"model", "architecture", "training minutes", "test accuracy", "parameters"}
    if not required <= set(table.columns):
        raise ValueError(f"the table needs the columns {sorted(required)}")
    frame = table.dropna(subset=["training minutes", "test accuracy"])
    return alt.Chart(frame).mark_circle(opacity=0.85).encode(
        x=alt.X("training minutes:Q", title="training time (minutes)", scale=alt.Scale(zero=True)),
        y=alt.Y("test accuracy:Q", title="test accuracy", axis=alt.Axis(format=".1%"),
                scale=alt.Scale(zero=False)),
        size=alt.Size("parameters:Q", scale=alt.Scale(range=[60, 600]), legend=None),
        color=alt.Color("architecture:N", title="architecture"),
        tooltip=["model:N", "architecture:N", alt.Tooltip("test accuracy:Q", format=".2%"),
                 alt.Tooltip("training minutes:Q", format=".1f"), alt.Tooltip("parameters:Q", format=",")],
    ).properties(height=height)


def make_models_table(models: list) -> pd.DataFrame:
    """One row per stored model: what it is, how it was trained, and how well it does on the test set."""
    rows = []
    for stored in models:
        meta = stored.metadata
        hyperparameters = meta.get("hyperparameters") or {}
        history = meta.get("history") or {}
        seconds = read_total_seconds(meta)  # the whole lineage's, for a continued model
        subset = hyperparameters.get("train_subset")
        rows.append({
            "model": stored.name + (" (bundled)" if stored.is_default else ""),
            "architecture": meta.get("architecture", "?"),
            "parameters": meta.get("parameter_count"),
            "epochs": len(history.get("loss", [])) or hyperparameters.get("epochs"),
            "training images": subset if subset else 60_000,
            "augmented": bool(hyperparameters.get("augment", False)),
            "training minutes": round(seconds / 60, 2) if seconds is not None else None,
            "test accuracy": meta.get("test_accuracy"),
            "created": (meta.get("created_at") or "")[:16].replace("T", " "),
        })
    return pd.DataFrame(rows, columns=["model", "architecture", "parameters", "epochs", "training images",
                                       "augmented", "training minutes", "test accuracy", "created"])
