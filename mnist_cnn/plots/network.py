"""Figures that look inside a network: feature-map grids, kernel grids, convolution outputs and a worked example."""

import math

import altair as alt
import matplotlib

matplotlib.use("Agg")  # figures are rendered to images, never to a window

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.colors import LinearSegmentedColormap, Normalize
from matplotlib.patches import Rectangle

from mnist_cnn.explain.feature_maps import compute_colour_limits
from mnist_cnn.plots.explorer import make_digit_grid_figure

# Colour maps: activations (non-negative), learned weights (diverging, centred at zero), signed filter outputs
# (zero is mid-grey, negative blue, positive red) and plain grey images.
ACTIVATION_CMAP = "viridis"
WEIGHT_CMAP = "RdBu_r"
SIGNED_CMAP = LinearSegmentedColormap.from_list("signed_grey", ["#053061", "#4393c3", "#808080", "#d6604d", "#67001f"])
IMAGE_CMAP = "gray"
GAP_COLOUR = "#ffffff"
FIGURE_WIDTH = 10.0  # inches; Streamlit scales figures to the column width
# The name of the clickable heatmap's point selection (Streamlit reports clicks under this name).
UNIT_SELECTION = "unit"
# The outline of the patch a filter's peak sees (its receptive field), on the digits that excite it most.
PATCH_COLOUR = "#ff7f0e"


def choose_columns(count: int) -> int:
    """How many tiles per row: 8 for small layers, 16 for wide ones."""
    return max(1, min(count, 8 if count <= 32 else 16))


def tile_maps(maps: np.ndarray, columns: int, gap: int = 1) -> np.ndarray:
    """Lay (height, width, channels) out as one mosaic with NaN gaps, row-major by channel."""
    height, width, channels = maps.shape
    rows = math.ceil(channels / columns)
    mosaic = np.full((rows * (height + gap) - gap, columns * (width + gap) - gap), np.nan, "float32")
    for channel in range(channels):
        row, col = divmod(channel, columns)
        top, left = row * (height + gap), col * (width + gap)
        mosaic[top:top + height, left:left + width] = maps[:, :, channel]
    return mosaic


def make_feature_map_grid(maps: np.ndarray, title: str = "", per_channel: bool = False,
                          highlight: int | None = None) -> plt.Figure:
    """All channels of one layer as a grid with a colour bar: a shared scale, or each channel's own range."""
    maps = np.asarray(maps, dtype="float32")
    if maps.ndim != 3:
        raise ValueError(f"expected feature maps (height, width, channels), got shape {maps.shape}")
    height, width, channels = maps.shape
    low, high = compute_colour_limits(maps, per_channel)  # (channels,) each
    if per_channel:
        maps = (maps - low) / (high - low)
        norm, bar_label = Normalize(0, 1), "each channel: its own min → max"
    else:
        norm, bar_label = Normalize(float(low[0]), float(high[0])), "activation (shared scale)"
    columns = choose_columns(channels)
    gap = max(1, height // 10)
    mosaic = tile_maps(maps, columns, gap=gap)
    cmap = plt.get_cmap(ACTIVATION_CMAP).with_extremes(bad=GAP_COLOUR)
    aspect = mosaic.shape[0] / mosaic.shape[1]
    figure, axis = plt.subplots(figsize=(FIGURE_WIDTH, max(1.2, FIGURE_WIDTH * 0.86 * aspect + 0.5)))
    image = axis.imshow(mosaic, cmap=cmap, norm=norm, interpolation="nearest")
    label_every_tile = height >= 12  # small maps get one label per row, left of the grid
    for channel in range(channels):
        row, col = divmod(channel, columns)
        top, left = row * (height + gap), col * (width + gap)
        if label_every_tile:
            axis.text(left - 0.2, top - 0.2, str(channel), fontsize=7, color="white", va="top", ha="left",
                      bbox=dict(boxstyle="square,pad=0.1", fc="black", alpha=0.45, lw=0))
        elif col == 0:
            axis.text(-gap - 0.5, top + height / 2 - 0.5, str(channel), fontsize=7, va="center", ha="right")
        if channel == highlight:
            axis.add_patch(Rectangle((left - 0.5, top - 0.5), width, height,
                                     fill=False, edgecolor="#e4572e", linewidth=2.5))
    axis.set_axis_off()
    if title:
        axis.set_title(title, fontsize=11, loc="left")
    colour_bar = figure.colorbar(image, ax=axis, fraction=0.025, pad=0.01)
    colour_bar.set_label(bar_label, fontsize=8)
    colour_bar.ax.tick_params(labelsize=7)
    figure.subplots_adjust(left=0.03, right=0.97, top=0.95 if title else 0.99, bottom=0.01)
    return figure


def make_channel_heatmap(channel: np.ndarray, title: str, vmin: float | None = None,
                         vmax: float | None = None, size: int = 360) -> alt.Chart:
    """One feature map, large, as an Altair heatmap: hover a pixel for its row, column and value."""
    channel = np.asarray(channel, dtype="float32")
    if channel.ndim != 2:
        raise ValueError(f"expected one channel (height, width), got shape {channel.shape}")
    rows, cols = np.indices(channel.shape)
    frame = pd.DataFrame({"row": rows.ravel(), "column": cols.ravel(), "value": channel.ravel()})
    domain = [float(channel.min()) if vmin is None else vmin, float(channel.max()) if vmax is None else vmax]
    return alt.Chart(frame, title=title).mark_rect().encode(
        x=alt.X("column:O", axis=None, scale=alt.Scale(paddingInner=0)),
        y=alt.Y("row:O", axis=None, scale=alt.Scale(paddingInner=0)),
        color=alt.Color("value:Q", scale=alt.Scale(scheme="viridis", domain=domain), title="activation"),
        tooltip=["row:O", "column:O", alt.Tooltip("value:Q", format=".3f")],
    ).properties(width=size, height=size * channel.shape[0] / channel.shape[1])


def format_value(value: float, digits: int = 2, compact: bool = False) -> str:
    """A number for a cell: no '-0.00', and with compact=True no leading zero ('-.13')."""
    text = f"{round(float(value), digits) + 0.0:.{digits}f}"
    return text.replace("0.", ".", 1) if compact and text.lstrip("-").startswith("0.") else text


def draw_annotated_matrix(axis, matrix: np.ndarray, cmap, norm, digits: int = 2, fontsize: float = 9,
                          compact: bool = False) -> None:
    """An imshow of a small matrix with every value written in its cell, in a colour that stays readable."""
    axis.imshow(matrix, cmap=cmap, norm=norm, interpolation="nearest")
    colours = plt.get_cmap(cmap)(norm(matrix))
    for (row, col), value in np.ndenumerate(matrix):
        red, green, blue, _ = colours[row, col]
        text_colour = "black" if 0.299 * red + 0.587 * green + 0.114 * blue > 0.5 else "white"
        axis.text(col, row, format_value(value, digits, compact), ha="center", va="center", fontsize=fontsize,
                  color=text_colour)
    axis.set_xticks([])
    axis.set_yticks([])


def make_kernel_grid(kernels: np.ndarray, title: str, annotate: bool = True, diverging: bool = True,
                     colour_label: str = "weight") -> plt.Figure:
    """One small kernel per output channel, (kh, kw, out), in a diverging map centred at zero (or sequential)."""
    kernels = np.asarray(kernels, dtype="float32")
    if kernels.ndim != 3:
        raise ValueError(f"expected kernels (height, width, count), got shape {kernels.shape}")
    kernel_height, kernel_width, count = kernels.shape
    columns = choose_columns(count)
    limit = float(np.abs(kernels).max()) or 1.0
    norm = Normalize(-limit, limit) if diverging else Normalize(0, limit)
    cmap = plt.get_cmap(WEIGHT_CMAP if diverging else "Purples").with_extremes(bad=GAP_COLOUR)
    gap = 1
    mosaic = tile_maps(kernels, columns, gap=gap)  # one image for all kernels: fast to draw
    figure, axis = plt.subplots(figsize=(FIGURE_WIDTH, FIGURE_WIDTH * 0.9 * mosaic.shape[0] / mosaic.shape[1] + 0.6))
    axis.imshow(mosaic, cmap=cmap, norm=norm, interpolation="nearest")
    colours = cmap(norm(np.nan_to_num(mosaic)))
    for index in range(count):
        row, col = divmod(index, columns)
        top, left = row * (kernel_height + gap), col * (kernel_width + gap)
        axis.add_patch(Rectangle((left - 0.5, top - 0.5), kernel_width, kernel_height, fill=False,
                                 edgecolor="#444444", linewidth=0.6))
        axis.text(left + (kernel_width - 1) / 2, top - 0.55, str(index), fontsize=7, ha="center", va="bottom")
        if not annotate:
            continue
        for (u, v), value in np.ndenumerate(kernels[:, :, index]):
            red, green, blue, _ = colours[top + u, left + v]
            text_colour = "black" if 0.299 * red + 0.587 * green + 0.114 * blue > 0.5 else "white"
            axis.text(left + v, top + u, format_value(value, 2, compact=True), fontsize=6.5, ha="center",
                      va="center", color=text_colour)
    axis.set_xlim(-0.6, mosaic.shape[1] - 0.4)
    axis.set_ylim(mosaic.shape[0] - 0.4, -0.6)  # room for the outlines of the edge kernels
    axis.set_axis_off()
    colour_bar = figure.colorbar(plt.cm.ScalarMappable(norm=norm, cmap=cmap), ax=axis, fraction=0.02, pad=0.01)
    colour_bar.set_label(colour_label, fontsize=8)
    colour_bar.ax.tick_params(labelsize=7)
    axis.set_title(title, fontsize=11, loc="left", pad=14)
    return figure


def make_channel_values_chart(values: np.ndarray, title: str, value_title: str, height: int = 180) -> alt.Chart:
    """One bar per output channel (biases, batch-norm γ or β), coloured by sign, with hover values."""
    values = np.asarray(values, dtype="float32").reshape(-1)
    tick_step = max(1, len(values) // 16)  # at most about 16 channel numbers on the axis
    frame = pd.DataFrame({"channel": np.arange(len(values)), value_title: values,
                          "sign": np.where(values >= 0, "positive", "negative")})
    return alt.Chart(frame, title=title).mark_bar().encode(
        x=alt.X("channel:O", axis=alt.Axis(labelAngle=0, values=list(range(0, len(values), tick_step)))),
        y=alt.Y(f"{value_title}:Q"),
        color=alt.Color("sign:N", scale=alt.Scale(domain=["positive", "negative"], range=["#b2182b", "#2166ac"]),
                        legend=None),
        tooltip=["channel:O", alt.Tooltip(f"{value_title}:Q", format=".4f")],
    ).properties(height=height)


def make_convolution_figure(panels: list[tuple[str, np.ndarray, str]]) -> plt.Figure:
    """Images side by side, each (title, image, kind) with kind 'image', 'signed' (zero = mid-grey) or 'magnitude'."""
    figure, axes = plt.subplots(1, len(panels), figsize=(3.2 * len(panels), 3.4), squeeze=False)
    for axis, (title, image, kind) in zip(axes[0], panels):
        image = np.asarray(image, dtype="float32")
        if kind == "signed":
            limit = float(np.abs(image).max()) or 1.0
            shown = axis.imshow(image, cmap=SIGNED_CMAP, vmin=-limit, vmax=limit, interpolation="nearest")
        elif kind == "magnitude":
            shown = axis.imshow(image, cmap="magma", vmin=0, interpolation="nearest")
        else:
            shown = axis.imshow(image, cmap=IMAGE_CMAP, vmin=0, vmax=1, interpolation="nearest")
        axis.set_title(title, fontsize=10)
        axis.set_xticks([])
        axis.set_yticks([])
        colour_bar = figure.colorbar(shown, ax=axis, fraction=0.046, pad=0.03)
        colour_bar.ax.tick_params(labelsize=7)
    figure.tight_layout()
    return figure


def make_window_figure(image: np.ndarray, output: np.ndarray, row: int, col: int) -> plt.Figure:
    """The input with the 3x3 window outlined and the output with the chosen pixel outlined."""
    figure, axes = plt.subplots(1, 2, figsize=(6.4, 3.6))
    limit = float(np.abs(output).max()) or 1.0
    axes[0].imshow(image, cmap=IMAGE_CMAP, vmin=0, vmax=1, interpolation="nearest")
    axes[0].add_patch(Rectangle((col - 1.5, row - 1.5), 3, 3, fill=False, edgecolor="#ff7f0e", linewidth=2.5))
    axes[0].set_title("input: the 3×3 window", fontsize=13)
    axes[1].imshow(output, cmap=SIGNED_CMAP, vmin=-limit, vmax=limit, interpolation="nearest")
    axes[1].add_patch(Rectangle((col - 0.5, row - 0.5), 1, 1, fill=False, edgecolor="#ff7f0e", linewidth=2.5))
    axes[1].set_title(f"output: pixel ({row}, {col})", fontsize=13)
    for axis in axes:
        axis.set_xticks([])
        axis.set_yticks([])
    figure.tight_layout()
    return figure


def make_worked_example_figure(window: np.ndarray, kernel: np.ndarray, products: np.ndarray,
                               total: float) -> plt.Figure:
    """Window ⊙ kernel = products, as three annotated 3x3 matrices, and their sum."""
    figure, axes = plt.subplots(1, 3, figsize=(9.6, 3.6))
    kernel_limit = float(np.abs(kernel).max()) or 1.0
    product_limit = float(np.abs(products).max()) or 1.0
    draw_annotated_matrix(axes[0], window, IMAGE_CMAP, Normalize(0, 1), digits=3, fontsize=13)
    draw_annotated_matrix(axes[1], kernel, WEIGHT_CMAP, Normalize(-kernel_limit, kernel_limit), fontsize=14)
    draw_annotated_matrix(axes[2], products, SIGNED_CMAP, Normalize(-product_limit, product_limit), digits=3,
                          fontsize=13)
    axes[0].set_title("input window", fontsize=14)
    axes[1].set_title("kernel", fontsize=14)
    axes[2].set_title(f"products: sum = {total:.3f}", fontsize=14)
    figure.tight_layout(w_pad=3.5)
    for left, right, sign in [(axes[0], axes[1], "×"), (axes[1], axes[2], "=")]:
        middle = (left.get_position().x1 + right.get_position().x0) / 2
        figure.text(middle, 0.45, sign, fontsize=26, ha="center", va="center")
    return figure


def make_clickable_heatmap(channel: np.ndarray, title: str, row: int, col: int) -> alt.Chart:
    """The channel's heatmap with a click selection of one pixel, and the current pixel outlined."""
    selection = alt.selection_point(name=UNIT_SELECTION, fields=["row", "column"], on="click")
    heatmap = make_channel_heatmap(channel, title).add_params(selection)
    marker = alt.Chart(alt.Data(values=[{"row": row, "column": col}])).mark_rect(
        fill=None, stroke="#ff7f0e", strokeWidth=3).encode(x="column:O", y="row:O")
    return alt.layer(heatmap, marker)


def make_parameter_chart(rows: list[dict]) -> alt.Chart:
    """Parameters per layer as horizontal bars, in layer order (layers without parameters left out)."""
    frame = pd.DataFrame([row for row in rows if row["parameters"] > 0])
    return alt.Chart(frame, title="Where the parameters are").mark_bar(color="#4c78a8").encode(
        y=alt.Y("layer:N", sort=None, title=None),
        x=alt.X("parameters:Q", title="parameters"),
        tooltip=["layer", "type", "output shape", alt.Tooltip("parameters:Q", format=",")],
    ).properties(height=max(120, 24 * len(frame)))


def make_outlined_digits_figure(images: np.ndarray, titles: list[str], fields: list, columns: int) -> plt.Figure:
    """A grid of digits, each with one patch outlined (a ReceptiveField: its top, left, height and width)."""
    figure = make_digit_grid_figure(images, titles, ["#333333"] * len(images), columns=columns)
    for axis, field in zip(figure.axes, fields, strict=False):
        axis.add_patch(Rectangle((field.left - 0.5, field.top - 0.5), field.width, field.height, fill=False,
                                 edgecolor=PATCH_COLOUR, linewidth=2))
    return figure
