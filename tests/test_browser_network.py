"""The Whole network page in headless Chromium: a click on a feature map's thumbnail opens it large, and "Trace a
unit" opens the Feature maps page at that layer and channel with the trace view open."""

import re

import pytest
from playwright.sync_api import expect

from mnist_cnn.plots import network_flow
from tests.support.browser import FIRST_RUN_TIMEOUT_MS

pytestmark = pytest.mark.browser

# Vega-Lite's padding around the plot, in screen pixels.
CHART_PADDING = 5


def first_conv_tile_centre(box: dict, channel: int) -> tuple[float, float]:
    """Where the thumbnail of `channel` in the first conv layer is drawn (its band follows the input's)."""
    flow = network_flow
    top = flow.TITLE_HEIGHT + flow.INPUT_SIDE + flow.GAP + flow.ARROW_HEIGHT + flow.TITLE_HEIGHT
    return (box["x"] + CHART_PADDING + channel * (flow.TILE + flow.GAP) + flow.TILE / 2,
            box["y"] + CHART_PADDING + top + flow.TILE / 2)


def test_clicking_a_map_opens_it_and_trace_a_unit_opens_the_feature_maps_page(app_server, page):
    page.goto(f"{app_server}/network")
    expect(page.get_by_role("heading", name="Whole network")).to_be_visible(timeout=FIRST_RUN_TIMEOUT_MS)
    expect(page.get_by_text("Click any feature map")).to_be_visible(timeout=FIRST_RUN_TIMEOUT_MS)
    chart = page.get_by_test_id("stVegaLiteChart").first
    plot = chart.locator("canvas, svg").first
    expect(plot).to_be_visible()
    plot.scroll_into_view_if_needed()
    page.mouse.click(*first_conv_tile_centre(plot.bounding_box(), channel=3))
    caption = page.get_by_test_id("stCaptionContainer").filter(has_text="Its strongest unit")
    expect(caption).to_contain_text("conv1 → conv1_bn → conv1_relu · 28×28×16")
    expect(page).to_have_url(re.compile(r"/network\?(.*&)?layer=conv1&channel=3(&|$)"))
    page.get_by_role("button", name="Trace a unit of this map").click()
    expect(page.get_by_role("heading", name="Feature maps")).to_be_visible()
    field = page.get_by_test_id("stCaptionContainer").filter(has_text="Receptive field of conv1")
    expect(field).to_be_visible()  # the trace view is open, at the clicked layer
    expect(page).to_have_url(re.compile(r"/feature_maps\?(.*&)?trace_layer=conv1&trace_channel=3(&|$)"))
    assert page.get_by_test_id("stException").count() == 0
