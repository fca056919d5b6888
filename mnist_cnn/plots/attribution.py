"""Attribution maps side by side on one colour scale, trained and randomised rows, with the digit's outline."""

import matplotlib

matplotlib.use("Agg")  # figures are rendered to images, never to a window

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import Normalize

from mnist_cnn.explain.attribution import scale_to_unit

# One diverging colour map for every map (ColorBrewer's RdBu, readable with red-green colour blindness): red is
# evidence for the class, blue against it, white nothing; each map is scaled so that its largest magnitude is 1.
ATTRIBUTION_CMAP = "RdBu_r"
OUTLINE_COLOUR, OUTLINE_LEVEL = "#444444", 0.5  # the digit's outline: where its ink crosses half brightness
PANEL_INCHES = 2.0


def draw_map(axis, image: np.ndarray, values: np.ndarray | None, title: str, norm: Normalize):
    """One panel: the map on the shared scale with the digit's outline, or a note when there is no map."""
    axis.set_title(title, fontsize=9)
    axis.set_xticks([])
    axis.set_yticks([])
    if values is None:
        axis.text(0.5, 0.5, "not available\nfor this model", ha="center", va="center", fontsize=8,
                  transform=axis.transAxes)
        return None
    shown = axis.imshow(scale_to_unit(values), cmap=ATTRIBUTION_CMAP, norm=norm, interpolation="nearest")
    if float(image.max()) > OUTLINE_LEVEL:
        axis.contour(image, levels=[OUTLINE_LEVEL], colors=OUTLINE_COLOUR, linewidths=0.6)
    return shown


def make_attribution_figure(image: np.ndarray, rows: list[tuple[str, list[tuple[str, np.ndarray | None]]]]
                            ) -> plt.Figure:
    """Rows of (row label, [(method, map (28, 28) or None)]) on one shared colour scale, with one colour bar."""
    image = np.asarray(image, dtype=np.float32)
    if image.shape != (28, 28):
        raise ValueError(f"The digit must be 28×28, got shape {image.shape}.")
    if not rows or not rows[0][1] or any(len(panels) != len(rows[0][1]) for _, panels in rows):
        raise ValueError("Give at least one row, every row with the same number of maps.")
    columns = len(rows[0][1])
    figure, axes = plt.subplots(len(rows), columns, squeeze=False,
                                figsize=(PANEL_INCHES * columns + 0.8, PANEL_INCHES * len(rows) + 0.3))
    norm, shown = Normalize(-1.0, 1.0), None
    for row_axes, (label, panels) in zip(axes, rows):
        for axis, (title, values) in zip(row_axes, panels):
            shown = draw_map(axis, image, values, title, norm) or shown
        row_axes[0].set_ylabel(label, fontsize=9)
    if shown is not None:
        bar = figure.colorbar(shown, ax=axes.ravel().tolist(), fraction=0.02, pad=0.02, ticks=[-1, 0, 1])
        bar.ax.set_yticklabels(["−1 against", "0", "+1 for"], fontsize=8)
    return figure
