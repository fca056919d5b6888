"""Figures of the step-by-step operations: a window on a (padded) input next to the output pixel it makes."""

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Rectangle

from mnist_cnn.plots.network import IMAGE_CMAP, SIGNED_CMAP

# The highlight colour of the window and its output pixel, and of the zero padding's frame.
HIGHLIGHT_COLOUR = "#ff7f0e"
PADDING_COLOUR = "#0072b2"  # blue, not green: told apart from the orange with colour-blindness


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
    """Source (padded by `padding` zeros) with its window (top, left, height, width) outlined, and the output."""
    top, left, window_height, window_width = window
    row, col = pixel
    padded = np.pad(np.asarray(source, dtype="float32"), padding)
    figure, axes = plt.subplots(1, 2, figsize=(7.0, 3.6))
    show_map(axes[0], padded, source_kind)
    if padding:
        inner = padded.shape[0] - 2 * padding, padded.shape[1] - 2 * padding
        axes[0].add_patch(Rectangle((padding - 0.5, padding - 0.5), inner[1], inner[0], fill=False,
                                    edgecolor=PADDING_COLOUR, linewidth=1.2, linestyle="--"))
    axes[0].add_patch(Rectangle((left - 0.5, top - 0.5), window_width, window_height, fill=False,
                                edgecolor=HIGHLIGHT_COLOUR, linewidth=2.5))
    axes[0].set_title(source_title, fontsize=11)
    show_map(axes[1], np.asarray(output, dtype="float32"), output_kind)
    axes[1].add_patch(Rectangle((col - 0.5, row - 0.5), 1, 1, fill=False, edgecolor=HIGHLIGHT_COLOUR,
                                linewidth=2.5))
    axes[1].set_title(output_title, fontsize=11)
    figure.tight_layout()
    return figure


def make_receptive_field_figure(image: np.ndarray, field, feature_map: np.ndarray, pixel: tuple,
                                layer_title: str) -> plt.Figure:
    """The input with everything outside a receptive field dimmed, next to the feature map and its pixel."""
    window = (field.top, field.left, field.height, field.width)
    figure = make_window_step_figure(image, "image", f"input: {field.height}×{field.width} pixels seen",
                                     window, feature_map, "magnitude", layer_title, pixel)
    outside = np.ones(np.shape(image), dtype="float32")
    outside[field.top:field.bottom + 1, field.left:field.right + 1] = 0.0
    figure.axes[0].imshow(np.dstack([np.zeros_like(outside)] * 3 + [0.6 * outside]), interpolation="nearest")
    return figure
