"""The address bar follows the view: a page's options reach st.query_params, a copy reopens the view, the collection
stays and a fresh page keeps the URL clean; in the browser, a change inside a fragment reaches the URL at once.

(Streamlit 1.67's AppTest runs app.py only in an app's first run: later runs run the page file alone, so its
fragments, which keep the URL themselves, are what those runs check. A page is opened by a link's ?page=.)"""

import re

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from mnist_cnn import config
from mnist_cnn.lessons.link import build_options
from mnist_cnn.lessons.options import PAGE_OPTIONS
from mnist_cnn.my_digits.collections import MyDigitsStore
from tests.support.apptest import open_app_link


def run_again(app: AppTest) -> AppTest:
    """The app run again after a widget change; fails on any exception."""
    app.run()
    assert not app.exception, [item.value for item in app.exception]
    return app


@pytest.fixture
def collection_anna(tmp_path, monkeypatch):
    """A private drawing database with a collection named 'anna'."""
    monkeypatch.setattr(config, "USER_DATA_DIR", tmp_path)
    MyDigitsStore(tmp_path / "my_digits.sqlite3").add(3, np.zeros((28, 28), np.float32), collection="anna")
    return "anna"


def test_a_fresh_draw_page_leaves_nothing_in_the_address_bar_but_the_collection(collection_anna):
    app = open_app_link({"collection": collection_anna})
    assert app.title[0].value == "Draw a digit"
    assert app.query_params == {"collection": "anna"}
    assert not app.toast, [item.value for item in app.toast]


def test_the_address_bar_follows_the_convolution_demo_and_keeps_the_collection(collection_anna):
    app = open_app_link({"page": "convolution", "collection": collection_anna})
    assert app.title[0].value == "Convolution demo"
    assert "page" not in app.query_params and app.query_params["collection"] == "anna"  # the path names the page
    assert "padding" not in app.query_params  # padding 1 is what a fresh session shows
    app.slider(key="steps_padding").set_value(2)  # inside the step-by-step fragment
    app.number_input(key="convolution_test_index").set_value(9)
    run_again(app)
    assert (app.query_params["padding"], app.query_params["digit"]) == ("2", "9")
    assert app.query_params["collection"] == "anna"
    link = {name: value for name, value in app.query_params.items() if name != "collection"}
    assert app.session_state["lesson_link_applied"] == link  # so the next run does not apply it again


def test_a_copied_address_reopens_the_feature_maps_view():
    app = open_app_link({"page": "feature_maps"})
    app.selectbox(key="feature_maps_enlarge_layer").set_value("conv2")
    app.radio(key="feature_maps_scale").set_value("Per channel")
    app.number_input(key="feature_maps_test_index").set_value(42)
    run_again(app)
    app.number_input(key="feature_maps_enlarge_channel_conv2").set_value(5)
    run_again(app)
    address = dict(app.query_params)
    assert {"digit": "42", "scale": "channel", "layer": "conv2", "channel": "5"}.items() <= address.items()
    assert "page" not in address and "model" not in address  # the default model is what a fresh session has

    copy = open_app_link({"page": "feature_maps", **address})
    assert copy.number_input(key="feature_maps_test_index").value == 42
    assert copy.radio(key="feature_maps_scale").value == "Per channel"
    assert copy.selectbox(key="feature_maps_enlarge_layer").value == "conv2"
    assert copy.number_input(key="feature_maps_enlarge_channel_conv2").value == 5
    assert dict(copy.query_params) == address  # the same view writes the same address
    assert not copy.toast, [item.value for item in copy.toast]


def test_each_default_the_address_bar_leaves_out_is_what_a_fresh_session_shows():
    app = open_app_link({})
    checked = 0
    for page in PAGE_OPTIONS:
        if page != "draw":
            app.switch_page(f"pages/{page}.py")
            run_again(app)
        shown = build_options(page, app.session_state)
        defaults = {name: option.default for name, option in PAGE_OPTIONS[page].items() if option.default}
        assert {name: value for name, value in shown.items() if name in defaults} == \
               {name: value for name, value in defaults.items() if name in shown}, page
        checked += len(set(defaults) & set(shown))
    assert checked >= 20  # nearly every declared default was on screen (a target digit only shows when chosen)


@pytest.mark.browser
def test_a_change_inside_a_fragment_reaches_the_address_bar_and_a_copy_reopens_it(app_server, page):
    from playwright.sync_api import expect

    page.goto(f"{app_server}/convolution")
    expect(page.get_by_role("heading", name="Convolution demo")).to_be_visible(timeout=120_000)
    stride = page.get_by_role("slider", name="Stride s")
    expect(stride).to_have_value("1", timeout=60_000)
    stride.focus()
    stride.press("ArrowRight")  # stride 1 → 2: a rerun of the step-by-step fragment alone
    expect(page).to_have_url(re.compile(r"/convolution\?(.*&)?stride=2(&|$)"), timeout=60_000)

    copy = page.context.new_page()
    copy.goto(page.url)
    expect(copy.get_by_role("heading", name="Convolution demo")).to_be_visible(timeout=120_000)
    expect(copy.get_by_role("slider", name="Stride s")).to_have_value("2", timeout=60_000)
    expect(copy).to_have_url(re.compile(r"/convolution\?(.*&)?stride=2(&|$)"))

    page.get_by_test_id("stSidebar").get_by_role("link", name="Fool the model").click()
    expect(page.get_by_role("heading", name="Fool the model")).to_be_visible(timeout=120_000)
    expect(page).to_have_url(re.compile(r"/fool(\?(?!.*stride=)[^#]*)?$"))  # no option of the last page
    assert page.get_by_test_id("stException").count() == 0 and copy.get_by_test_id("stException").count() == 0


@pytest.mark.browser
def test_going_back_restores_the_earlier_view_including_what_it_left_out_as_default(app_server, page):
    from playwright.sync_api import expect

    page.goto(f"{app_server}/convolution?padding=2")
    expect(page.get_by_role("heading", name="Convolution demo")).to_be_visible(timeout=120_000)
    padding, stride = page.get_by_role("slider", name="Padding p"), page.get_by_role("slider", name="Stride s")
    expect(padding).to_have_value("2", timeout=60_000)
    stride.focus()
    stride.press("ArrowRight")  # stride 1 → 2: a new address, one history entry
    expect(page).to_have_url(re.compile(r"/convolution\?(.*&)?stride=2(&|$)"), timeout=60_000)
    page.go_back()  # to ?padding=2, where stride 1 was left out as the default
    expect(stride).to_have_value("1", timeout=60_000)
    expect(padding).to_have_value("2")
    expect(page).to_have_url(re.compile(r"/convolution\?(?!.*stride=).*padding=2"))  # and it stays there
    assert page.get_by_test_id("stException").count() == 0


@pytest.mark.browser
def test_a_fresh_servers_first_request_for_a_page_url_goes_through_the_app(tmp_path, page):
    """Patch 3 (ui/patches.py): Streamlit's pages/ mode would run the page file alone, with a menu of file names."""
    from playwright.sync_api import expect

    from tests.support.server import copy_bundled_models, start_streamlit

    process, url = start_streamlit(copy_bundled_models(tmp_path / "models"), tmp_path / "user_data")
    try:
        page.goto(f"{url}/convolution?stride=3")  # nothing has run on this server yet
        expect(page.get_by_role("heading", name="Convolution demo")).to_be_visible(timeout=120_000)
        expect(page.get_by_role("slider", name="Stride s")).to_have_value("3", timeout=60_000)
        sidebar = page.get_by_test_id("stSidebar")
        expect(sidebar.get_by_role("link", name="Draw a digit")).to_be_visible()  # app.py's menu, by title
        expect(sidebar.get_by_text("Copy link to this view")).to_be_visible()
        assert page.get_by_test_id("stException").count() == 0
    finally:
        process.terminate()
        process.wait(timeout=20)
