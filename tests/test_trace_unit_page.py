"""Trace a unit on the Feature maps page: AppTest with sliders, and a click on the heatmap in a real browser (which
puts the clicked unit in the address bar)."""

import re

import pytest
from streamlit.testing.v1 import AppTest

from mnist_cnn import config
from tests.support.apptest import open_app_page
from tests.support.stores import make_untrained_store

TIMEOUT = 180  # seconds per run: the machine is small and shared


@pytest.fixture(scope="module")
def pooling_store(tmp_path_factory):
    """A model store whose default is an (untrained) keras_example: valid convs and max pooling."""
    return make_untrained_store(tmp_path_factory.mktemp("pooling_store"), "keras_example")


def field_caption(app: AppTest) -> str:
    return next(item.value for item in app.caption if item.value.startswith("**Receptive field"))


def test_sliders_pick_a_unit_and_the_caption_gives_its_field(pooling_store, monkeypatch):
    monkeypatch.setattr(config, "MODELS_DIR", pooling_store)
    app = open_app_page("pages/feature_maps.py", TIMEOUT)
    assert app.selectbox(key="trace_layer").value == "pool2"  # the deepest spatial layer first
    app.slider(key="trace_row").set_value(0).run()
    app.slider(key="trace_col").set_value(4).run()
    assert "rows 0–9, columns 16–25 (10×10 pixels" in field_caption(app)
    app.selectbox(key="trace_layer").set_value("conv1").run()  # 26×26: the remembered pixel stays valid
    assert not app.exception, [item.value for item in app.exception]
    assert "rows 0–2, columns 4–6 (3×3 pixels" in field_caption(app)


@pytest.mark.browser
def test_clicking_a_feature_map_pixel_highlights_its_receptive_field(app_server, page):
    from playwright.sync_api import expect

    page.goto(f"{app_server}/feature_maps")
    expect(page.get_by_role("heading", name="Feature maps")).to_be_visible(timeout=120_000)
    page.get_by_text("Trace a unit back to the input").click()
    caption = page.get_by_test_id("stCaptionContainer").filter(has_text="Receptive field of")
    expect(caption).to_be_visible(timeout=60_000)
    before = caption.inner_text()
    chart = page.get_by_test_id("stVegaLiteChart").filter(has_text="click a pixel").first
    expect(chart).to_be_visible(timeout=60_000)
    plot = chart.locator("canvas, svg").first
    plot.scroll_into_view_if_needed()
    box = plot.bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.1, box["y"] + box["height"] * 0.5)  # a pixel at the left
    expect(caption).not_to_have_text(before, timeout=60_000)
    after = caption.inner_text()
    match = re.search(r"columns (\d+)–(\d+)", after)
    assert match and int(match.group(1)) < 14, after  # the field moved to the left half of the input
    unit = re.search(r"Receptive field of \S+ \((\d+), (\d+)\)", after)
    assert unit, after
    row, col = unit.groups()  # the clicked unit is in the address bar, ready to be shared
    expect(page).to_have_url(re.compile(rf"/feature_maps\?(.*&)?row={row}&col={col}(&|$)"), timeout=60_000)
    assert page.get_by_test_id("stException").count() == 0
