"""Lessons in a link in AppTest: a link's digit, drawing and lesson mode are applied, and the sidebar links back.

(AppTest keeps the sidebar's elements only on the first run, so the sidebar is checked there.)"""

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from mnist_cnn import config
from mnist_cnn.lessons.link import encode_drawing

APP_PATH = str(config.PROJECT_ROOT / "app.py")
TIMEOUT = 180  # seconds per run: the machine is small and shared


def open_link(**params: str) -> AppTest:
    """The app opened by a link with these query parameters, after its first run (no exception)."""
    app = AppTest.from_file(APP_PATH, default_timeout=TIMEOUT)
    for name, value in params.items():
        app.query_params[name] = value
    app.run()
    assert not app.exception, [item.value for item in app.exception]
    return app


def shown_link(app: AppTest) -> str:
    return next(item.value for item in app.code if item.value.startswith("http"))


def test_a_link_opens_its_test_digit_in_lesson_mode():
    app = open_link(digit="123", lesson="1")
    assert not [box for box in app.selectbox if box.key == "active_model_name"]  # the controls are hidden
    link = shown_link(app)
    assert "lesson=1" in link and "model=default" in link
    app.button(key="lesson_leave").click().run()
    assert app.session_state["lesson_mode"] is False  # the sidebar's controls come back on this run
    app.switch_page("pages/feature_maps.py")
    app.run()
    assert not app.exception, [item.value for item in app.exception]
    assert app.number_input(key="feature_maps_test_index").value == 123


def test_a_link_with_a_drawing_shares_it_and_bad_parts_are_ignored():
    drawing = np.zeros((28, 28), "float32")
    drawing[6:22, 12:16] = 1.0
    app = open_link(drawing=encode_drawing(drawing), model="no-such-model")
    assert f"drawing={encode_drawing(drawing)}" in shown_link(app)
    assert app.session_state["active_model_name"] == "default"
    app.switch_page("pages/fool.py")
    app.run()
    assert not app.exception, [item.value for item in app.exception]
    np.testing.assert_array_equal(app.session_state["drawing_input"], drawing)
    assert app.radio(key="fool_source").value == "My drawing"


def test_markdown_in_a_links_names_and_values_is_shown_as_text():
    from tests.support.markdown import render_markdown

    app = open_link(model="[free marks](https://evil.example)", digit="**[click](javascript:alert(1))**")
    toasts = [toast.value for toast in app.toast]
    assert len(toasts) == 2 and all("Part of the link was ignored" in toast for toast in toasts), toasts
    for toast in toasts:
        html = render_markdown(toast)
        assert "<a " not in html and "<strong" not in html, toast
    assert any("free marks" in toast for toast in toasts), "the link's text is shown, as text"


@pytest.mark.browser
def test_a_link_round_trips_in_the_browser(app_server, page):
    from playwright.sync_api import expect

    page.goto(f"{app_server}/?page=feature_maps&digit=123&lesson=1")
    expect(page.get_by_role("heading", name="Feature maps")).to_be_visible(timeout=120_000)
    expect(page.get_by_label("Test digit index (0–9999)")).to_have_value("123", timeout=60_000)
    expect(page.get_by_text("Active model")).to_have_count(0)  # lesson mode: no model picker
    page.get_by_text("Link to this view").click()
    link = page.get_by_test_id("stCode").filter(has_text="http")
    expect(link).to_contain_text("/?page=feature_maps&model=default&digit=123&lesson=1", timeout=60_000)
    assert page.get_by_test_id("stException").count() == 0


@pytest.mark.browser
def test_a_link_opens_a_layer_and_channel_and_lesson_mode_hides_the_retrain_panel(app_server, page):
    from playwright.sync_api import expect

    page.goto(f"{app_server}/?page=feature_maps")
    expect(page.get_by_role("heading", name="Feature maps")).to_be_visible(timeout=120_000)
    expect(page.get_by_text("Retrain", exact=True)).to_be_visible(timeout=60_000)  # not in lesson mode

    page.goto(f"{app_server}/?page=feature_maps&digit=7&layer=conv2&channel=5&lesson=1")
    expect(page.get_by_role("heading", name="Feature maps")).to_be_visible(timeout=120_000)
    expect(page.get_by_label("Test digit index (0–9999)")).to_have_value("7", timeout=60_000)
    page.get_by_text("Enlarge one channel").click()
    expect(page.get_by_label("Channel (0–31)")).to_have_value("5")  # conv2 has 32 channels
    layer = page.get_by_role("combobox", name="Layer").first  # the enlarged channel's layer picker
    expect(layer).to_have_value("conv2 → conv2_bn → conv2_relu · 14×14×32")
    expect(page.get_by_text("Retrain", exact=True)).to_have_count(0)  # lesson mode: no training controls
    expect(page.get_by_text("Active model")).to_have_count(0)
    page.get_by_text("Link to this view").click()
    link = page.get_by_test_id("stCode").filter(has_text="http")
    expect(link).to_contain_text("layer=conv2&channel=5")
    assert page.get_by_test_id("stException").count() == 0
