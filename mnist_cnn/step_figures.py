"""Figures of the step-by-step operations: a window on a (padded) input next to the output pixel it makes."""

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Rectangle

from mnist_cnn.network_figures import IMAGE_CMAP, SIGNED_CMAP

# The highlight colour of the window and its output pixel, and of the zero padding's frame.
HIGHLIGHT_COLOUR = "#ff7f0e"
PADDING_COLOUR = "#2ca02c"


def show_map(axis, values: np.ndarray, kind: str) -> None:
    """A map in grey (kind 'image', [0, 1]), signed colours centred at zero ('signed') or magma ('magnitude')."""
    if kind == "image":
        axis.imshow(values, cmap=IMAGE_CMAP, vmin=0, vmax=1, interpolation="nearest")
    elif kind == "signed":
        limit = float(np.abs(values).max()) or 1.0
        axis.imshow(values, cmap=SIGNED_CMAP, vmin=-limit, vmax=limit, interpolation="nearest")
    else:
        axis.imshow(values, cmap="magma", vmin=0, interpolation="nearest")
    axis.set_xticks([])
    axis.set_yticks([])


def make_window_step_figure(source: np.ndarray, source_kind: str, source_title: str, window: tuple,
                            output: np.ndarray, output_kind: str, output_title: str, pixel: tuple,
                            padding: int = 0) -> plt.Figure:
    """source (padded by `padding` zeros) with window (top, left, size) outlined → output with pixel outlined."""
    top, left, size = window
    row, col = pixel
    padded = np.pad(np.asarray(source, dtype="float32"), padding)
    figure, axes = plt.subplots(1, 2, figsize=(7.0, 3.6))
    show_map(axes[0], padded, source_kind)
    if padding:
        inner = padded.shape[0] - 2 * padding, padded.shape[1] - 2 * padding
        axes[0].add_patch(Rectangle((padding - 0.5, padding - 0.5), inner[1], inner[0], fill=False,
                                    edgecolor=PADDING_COLOUR, linewidth=1.2, linestyle="--"))
    axes[0].add_patch(Rectangle((left - 0.5, top - 0.5), size, size, fill=False, edgecolor=HIGHLIGHT_COLOUR,
                                linewidth=2.5))
    axes[0].set_title(source_title, fontsize=11)
    show_map(axes[1], np.asarray(output, dtype="float32"), output_kind)
    axes[1].add_patch(Rectangle((col - 0.5, row - 0.5), 1, 1, fill=False, edgecolor=HIGHLIGHT_COLOUR,
                                linewidth=2.5))
    axes[1].set_title(output_title, fontsize=11)
    figure.tight_layout()
    return figure
