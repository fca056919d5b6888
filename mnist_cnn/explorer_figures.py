"""Pictures of test digits for the explorer: crisp upscaled cards and labelled matplotlib grids."""

import math

import numpy as np
from matplotlib.figure import Figure

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
