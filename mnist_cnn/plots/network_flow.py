"""The whole network in one chart: input → every layer's maps as thumbnails → dense layers → ten probabilities."""

import altair as alt
import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.colors import to_hex

from mnist_cnn.explain.network_flow import OUTPUT, FlowStage, make_small_multiples, scale_to_unit
from mnist_cnn.inputs.images import enlarge_pixels, to_png_data_url, to_uint8

# Layout in screen pixels: thumbnails per row, a thumbnail's side and the gap around it, the input's side, the
# height of a band's title, of the arrow between bands, of a dense layer's cells and of the probability bars.
TILES_PER_ROW = 20
TILE, GAP = 26, 3
INPUT_SIDE = 56
TITLE_HEIGHT, ARROW_HEIGHT = 18, 26
CELL_HEIGHT = 20
BAR_WIDTH, BAR_HEIGHT = 48, 70
CHART_WIDTH = TILES_PER_ROW * (TILE + GAP)
# The name of the thumbnails' click selection (Streamlit reports clicks under it), and the colours used.
MAP_SELECTION = "map"
ACTIVATION_CMAP = "viridis"
PICKED_COLOUR, ARROW_COLOUR, BAR_COLOUR, TOP_BAR_COLOUR = "#ff7f0e", "#9e9e9e", "#9ecae1", "#08519c"


def colourise(values: np.ndarray) -> np.ndarray:
    """Values in [0, 1] as viridis RGB uint8 (..., 3)."""
    return to_uint8(colormaps[ACTIVATION_CMAP](np.clip(values, 0, 1))[..., :3])


def make_thumbnail_url(feature_map: np.ndarray, side: int = TILE) -> str:
    """One (height, width) map in [0, 1] as a PNG data URL, enlarged with sharp pixels to about `side` pixels."""
    scale = max(1, side // max(feature_map.shape))
    large = enlarge_pixels(feature_map, scale).astype("float32") / 255.0
    return to_png_data_url(colourise(large))


def layout_tiles(stage: FlowStage, top: float) -> tuple[list[dict], float]:
    """The stage's thumbnails as rows for the image layer (x, y are top-left corners); and the band's bottom."""
    maps = make_small_multiples(stage)  # (channels, height, width)
    side = INPUT_SIDE if stage.kind == "input" else TILE
    rows = []
    for channel, feature_map in enumerate(maps):
        row, column = divmod(channel, TILES_PER_ROW)
        rows.append({"layer": stage.name, "channel": channel, "x": column * (TILE + GAP),
                     "y": top + row * (side + GAP), "side": side, "url": make_thumbnail_url(feature_map, side),
                     "strongest": float(stage.values[:, :, channel].max())})
    band_rows = (len(maps) - 1) // TILES_PER_ROW + 1
    return rows, top + band_rows * (side + GAP)


def layout_cells(stage: FlowStage, top: float) -> tuple[list[dict], float]:
    """A dense layer's units (or the output's probabilities) as coloured cells or bars; and the band's bottom."""
    values = np.asarray(stage.values, dtype="float32").reshape(-1)
    if stage.kind == OUTPUT:
        best = int(np.argmax(values))
        return [{"x": digit * (BAR_WIDTH + GAP), "x2": digit * (BAR_WIDTH + GAP) + BAR_WIDTH,
                 "y": top + BAR_HEIGHT * (1 - float(value)), "y2": top + BAR_HEIGHT, "unit": digit,
                 "value": float(value), "colour": TOP_BAR_COLOUR if digit == best else BAR_COLOUR,
                 "label": f"{digit}"} for digit, value in enumerate(values)], top + BAR_HEIGHT + TITLE_HEIGHT
    width = max(2.0, min(float(TILE), CHART_WIDTH / len(values)))
    per_row = max(1, int(CHART_WIDTH // width))
    colours = colourise(scale_to_unit(values))
    cells = []
    for unit, value in enumerate(values):
        row, column = divmod(unit, per_row)
        cells.append({"x": column * width, "x2": (column + 1) * width - (1 if width > 4 else 0),
                      "y": top + row * (CELL_HEIGHT + GAP), "y2": top + row * (CELL_HEIGHT + GAP) + CELL_HEIGHT,
                      "unit": unit, "value": float(value), "colour": to_hex(colours[unit] / 255.0), "label": ""})
    return cells, top + ((len(values) - 1) // per_row + 1) * (CELL_HEIGHT + GAP)


def lay_out_flow(stages: list[FlowStage]) -> dict[str, list[dict]]:
    """Every mark of the chart as plain rows: tiles, cells, titles and arrows, stacked top to bottom."""
    parts = {"tiles": [], "cells": [], "titles": [], "arrows": []}
    top = 0.0
    for index, stage in enumerate(stages):
        parts["titles"].append({"x": 0, "y": top, "text": stage.description})
        top += TITLE_HEIGHT
        rows, top = (layout_tiles if stage.is_spatial else layout_cells)(stage, top)
        parts["tiles" if stage.is_spatial else "cells"].extend({**row, "stage": stage.name} for row in rows)
        if index < len(stages) - 1:
            parts["arrows"].append({"x": CHART_WIDTH / 2, "y": top + 2, "y2": top + ARROW_HEIGHT - 4})
            top += ARROW_HEIGHT
    parts["height"] = top
    return parts


def make_network_chart(stages: list[FlowStage], picked: tuple[str, int] | None = None) -> alt.LayerChart:
    """The flow as one chart; a click on a thumbnail selects (layer, channel); the picked one is outlined."""
    parts = lay_out_flow(stages)
    pixels = {"scale": None, "axis": None}  # x and y are screen pixels
    selection = alt.selection_point(name=MAP_SELECTION, fields=["layer", "channel"], on="click")
    tiles = pd.DataFrame([row for row in parts["tiles"] if row["stage"] != "input"])
    picture = pd.DataFrame([row for row in parts["tiles"] if row["stage"] == "input"])
    layers = [
        alt.Chart(picture).mark_image(width=INPUT_SIDE, height=INPUT_SIDE, align="left", baseline="top").encode(
            x=alt.X("x:Q", **pixels), y=alt.Y("y:Q", **pixels), url="url:N"),
        alt.Chart(tiles).mark_image(width=TILE, height=TILE, align="left", baseline="top", cursor="pointer").encode(
            x=alt.X("x:Q", **pixels), y=alt.Y("y:Q", **pixels), url="url:N",
            tooltip=[alt.Tooltip("layer:N"), alt.Tooltip("channel:Q"),
                     alt.Tooltip("strongest:Q", title="strongest activation", format=".3f")],
        ).add_params(selection),
        alt.Chart(pd.DataFrame(parts["cells"])).mark_rect().encode(
            x=alt.X("x:Q", **pixels), x2="x2:Q", y=alt.Y("y:Q", **pixels), y2="y2:Q",
            color=alt.Color("colour:N", scale=None),
            tooltip=[alt.Tooltip("stage:N", title="layer"), alt.Tooltip("unit:Q"),
                     alt.Tooltip("value:Q", format=".3f")]),
        alt.Chart(pd.DataFrame([row for row in parts["cells"] if row["label"]])).mark_text(
            baseline="top", dy=3, fontSize=12).encode(
            x=alt.X("mid:Q", **pixels), y=alt.Y("y2:Q", **pixels), text="label:N",
        ).transform_calculate(mid="(datum.x + datum.x2) / 2"),
        alt.Chart(pd.DataFrame(parts["titles"])).mark_text(align="left", baseline="top", fontSize=12,
                                                           fontWeight="bold").encode(
            x=alt.X("x:Q", **pixels), y=alt.Y("y:Q", **pixels), text="text:N"),
        alt.Chart(pd.DataFrame(parts["arrows"])).mark_rule(color=ARROW_COLOUR, strokeWidth=2).encode(
            x=alt.X("x:Q", **pixels), y=alt.Y("y:Q", **pixels), y2="y2:Q"),
        alt.Chart(pd.DataFrame(parts["arrows"])).mark_point(shape="triangle-down", filled=True, size=70,
                                                            color=ARROW_COLOUR, opacity=1).encode(
            x=alt.X("x:Q", **pixels), y=alt.Y("y2:Q", **pixels)),
    ]
    if picked is not None:
        outline = [row for row in parts["tiles"]
                   if (row["layer"], row["channel"]) == tuple(picked) and row["stage"] != "input"]
        if outline:
            layers.append(alt.Chart(pd.DataFrame(outline)).mark_rect(
                fill=None, stroke=PICKED_COLOUR, strokeWidth=3).encode(
                x=alt.X("x:Q", **pixels), y=alt.Y("y:Q", **pixels), x2="right:Q", y2="bottom:Q",
            ).transform_calculate(right=f"datum.x + {TILE}", bottom=f"datum.y + {TILE}"))
    return alt.layer(*layers).properties(width=CHART_WIDTH, height=parts["height"]).configure_view(stroke=None)

