"""The test-set explorer's pictures: labelled digit grids, the clickable confusion matrix, per-digit metrics."""

import math

import altair as alt
import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.colors import to_hex
from matplotlib.figure import Figure

from mnist_cnn.config import NUM_CLASSES
from mnist_cnn.evaluation.metrics import compute_class_metrics

# Title colours of a digit grid: right answers in green, mistakes in red (readable for most colour vision).
RIGHT_COLOUR = "#1a7f37"
WRONG_COLOUR = "#cf222e"
# Inches per digit in a grid (the title line included).
CELL_INCHES = 1.05


def make_digit_grid_figure(images: np.ndarray, titles: list[str], colours: list[str],
                           columns: int = 8, frames: list[bool] | None = None) -> Figure:
    """A grid of digits, each with a coloured title (and a frame in that colour where asked)."""
    if not len(images) == len(titles) == len(colours):
        raise ValueError(f"got {len(images)} images, {len(titles)} titles and {len(colours)} colours")
    if columns < 1:
        raise ValueError(f"columns must be at least 1, got {columns}")
    count = len(images)
    columns = max(1, min(columns, count))
    rows = max(1, math.ceil(count / columns))
    figure = Figure(figsize=(columns * CELL_INCHES, rows * CELL_INCHES * 1.12), layout="constrained")
    axes = np.atleast_1d(figure.subplots(rows, columns, squeeze=False).reshape(-1))
    frames = frames if frames is not None else [False] * count
    for position, ax in enumerate(axes):
        if position >= count:
            ax.set_axis_off()
            continue
        image = np.asarray(images[position]).reshape(28, 28)
        ax.imshow(image, cmap="gray", vmin=0, vmax=255 if image.dtype == np.uint8 else 1,
                  interpolation="nearest")
        ax.set_title(titles[position], color=colours[position], fontsize=10, fontweight="bold", pad=3)
        ax.set_xticks([])
        ax.set_yticks([])
        for spine in ax.spines.values():
            spine.set_visible(frames[position])
            spine.set_color(colours[position])
            spine.set_linewidth(2.5)
    return figure


def make_sample_grid_figure(images: np.ndarray, labels: np.ndarray, predictions: np.ndarray,
                            columns: int = 8) -> Figure:
    """Test digits titled 'true → predicted ✓/✗', green and unframed where right, red and framed where wrong."""
    if not len(images) == len(labels) == len(predictions):
        raise ValueError(f"got {len(images)} images, {len(labels)} labels and {len(predictions)} predictions")
    right = [int(label) == int(prediction) for label, prediction in zip(labels, predictions, strict=True)]
    titles = [f"{int(label)} → {int(prediction)} {'✓' if is_right else '✗'}"
              for label, prediction, is_right in zip(labels, predictions, right, strict=True)]
    colours = [RIGHT_COLOUR if is_right else WRONG_COLOUR for is_right in right]
    return make_digit_grid_figure(images, titles, colours, columns, frames=[not is_right for is_right in right])


# The name of the confusion chart's point selection (Streamlit reports clicks under this name).
CELL_SELECTION = "cell"
# Cell colours: right answers (the diagonal) in greens, mistakes in reds, empty cells nearly white.
DIAGONAL_COLOURMAP = "Greens"
MISTAKE_COLOURMAP = "Reds"
EMPTY_CELL_COLOUR = "#f4f5f7"
SELECTED_CELL_COLOUR = "#1f77b4"


def check_confusion(confusion: np.ndarray) -> np.ndarray:
    """Return confusion as an int array after checking it is a (10, 10) matrix of counts."""
    confusion = np.asarray(confusion)
    if confusion.shape != (NUM_CLASSES, NUM_CLASSES):
        raise ValueError(f"expected a ({NUM_CLASSES}, {NUM_CLASSES}) confusion matrix, got {confusion.shape}")
    if (confusion < 0).any():
        raise ValueError("a confusion matrix holds counts and cannot be negative")
    return confusion.astype(np.int64)


def pick_cell_colours(confusion: np.ndarray) -> tuple[list[str], list[str]]:
    """Fill and text colours of the 100 cells (row by row): greens on the diagonal, reds off it."""
    confusion = check_confusion(confusion)
    mistakes = confusion[~np.eye(NUM_CLASSES, dtype=bool)]
    largest_mistake = max(int(mistakes.max()), 1)
    largest_correct = max(int(np.diag(confusion).max()), 1)
    greens, reds = colormaps[DIAGONAL_COLOURMAP], colormaps[MISTAKE_COLOURMAP]
    fills, texts = [], []
    for true_digit in range(NUM_CLASSES):
        for predicted_digit in range(NUM_CLASSES):
            count = int(confusion[true_digit, predicted_digit])
            if true_digit == predicted_digit:
                strength = 0.55 + 0.3 * count / largest_correct
                fill = to_hex(greens(strength))
            elif count == 0:
                strength, fill = 0.0, EMPTY_CELL_COLOUR
            else:
                # Log scale, so a single mistake is visible next to a hundred.
                strength = 0.2 + 0.7 * np.log1p(count) / np.log1p(largest_mistake)
                fill = to_hex(reds(strength))
            fills.append(fill)
            texts.append("white" if strength > 0.5 else "#262730")
    return fills, texts


def make_confusion_frame(confusion: np.ndarray, selected: tuple[int, int] | None = None) -> pd.DataFrame:
    """One row per (true, predicted) cell: its count, share of the true digit, colours and selection."""
    confusion = check_confusion(confusion)
    fills, texts = pick_cell_colours(confusion)
    true_digits, predicted_digits = np.divmod(np.arange(NUM_CLASSES * NUM_CLASSES), NUM_CLASSES)
    counts = confusion.reshape(-1)
    row_totals = confusion.sum(axis=1)[true_digits]
    return pd.DataFrame({
        "true": true_digits,
        "predicted": predicted_digits,
        "count": counts,
        "share": np.divide(counts, row_totals, out=np.zeros(len(counts)), where=row_totals > 0),
        "kind": np.where(true_digits == predicted_digits, "right", "mistake"),
        # Cells show their count, except empty mistake cells, which stay blank so real mistakes stand out.
        "label": [str(count) if count or true == predicted else ""
                  for count, true, predicted in zip(counts, true_digits, predicted_digits, strict=True)],
        "fill": fills,
        "text_colour": texts,
        "selected": [(int(t), int(p)) == tuple(selected) if selected is not None else False
                     for t, p in zip(true_digits, predicted_digits, strict=True)],
    })


def make_confusion_chart(confusion: np.ndarray, selected: tuple[int, int] | None = None,
                         size: int = 420, counted: str = "test digits") -> alt.LayerChart:
    """A heatmap of counts (rows: true digit, columns: predicted) with a click selection of one cell.

    counted names what the cells count, in the tooltip ("test digits", "drawings").
    """
    frame = make_confusion_frame(confusion, selected)
    cell = alt.selection_point(name=CELL_SELECTION, fields=["true", "predicted"], on="click",
                               clear="dblclick", empty=False)
    axis = {"labelAngle": 0, "labelFontSize": 13, "titleFontSize": 13, "ticks": False, "domain": False}
    base = alt.Chart(frame).encode(
        x=alt.X("predicted:O", title="predicted digit", axis=alt.Axis(orient="top", **axis)),
        y=alt.Y("true:O", title="true digit", axis=alt.Axis(**axis)),
        tooltip=[alt.Tooltip("true:O", title="true digit"), alt.Tooltip("predicted:O", title="predicted"),
                 alt.Tooltip("count:Q", title=counted, format=","),
                 alt.Tooltip("share:Q", title="share of this true digit", format=".2%")],
    )
    cells = base.mark_rect(cursor="pointer", strokeWidth=3).encode(
        color=alt.Color("fill:N", scale=None),
        stroke=alt.condition("datum.selected", alt.value(SELECTED_CELL_COLOUR), alt.value("white")),
    ).add_params(cell)
    counts = base.mark_text(fontSize=11, cursor="pointer").encode(
        text=alt.Text("label:N"),
        color=alt.Color("text_colour:N", scale=None),
    )
    return alt.layer(cells, counts).properties(width=size, height=size).configure_view(stroke=None)


def make_class_metrics_frame(confusion: np.ndarray) -> pd.DataFrame:
    """Per-digit table: test images, errors, accuracy (= recall), precision and the most common confusion."""
    confusion = check_confusion(confusion)
    metrics = compute_class_metrics(confusion)
    mistakes = confusion * (1 - np.eye(NUM_CLASSES, dtype=np.int64))
    confused_with = [f"{int(row.argmax())} ({int(row.max())}×)" if row.max() > 0 else "–" for row in mistakes]
    return pd.DataFrame({
        "digit": metrics["digit"],
        "test images": metrics["support"],
        "errors": mistakes.sum(axis=1),
        # A digit's accuracy (the share of its images classified right) is its recall: one column for both.
        "accuracy": metrics["accuracy"],
        "precision": metrics["precision"],
        "most often mistaken for": confused_with,
    })
