"""A server whose TensorFlow warm-up is held back (the test hook MNIST_CNN_HOLD_WARMUP=1) still shows the canvas
and answers a stroke in Chromium, from the NumPy forward pass; the parts that need TensorFlow say it is warming up."""

import pytest
from playwright.sync_api import expect

from tests.support.browser import EXPECT_TIMEOUT_MS, FIRST_RUN_TIMEOUT_MS
from tests.support.server import copy_bundled_models, start_streamlit
from tests.test_browser_draw import draw_path, open_canvas, prediction, vertical_stroke

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def held_server(tmp_path_factory):
    """A server of the app that never imports TensorFlow in the background: its URL."""
    root = tmp_path_factory.mktemp("held_server")
    process, url = start_streamlit(copy_bundled_models(root / "models"), root / "user_data",
                                   extra_env={"MNIST_CNN_HOLD_WARMUP": "1"})
    yield url
    process.terminate()
    process.wait(timeout=20)


def test_a_stroke_is_answered_while_tensorflow_is_held_back(held_server, page):
    box = open_canvas(page, held_server)
    sidebar = page.get_by_test_id("stSidebar")
    expect(sidebar.get_by_text("Warming up the network…")).to_be_visible(timeout=EXPECT_TIMEOUT_MS)  # Retrain
    expect(sidebar.get_by_test_id("stMetricValue").first).to_be_visible()  # the model's accuracy, from its JSON
    draw_path(page, vertical_stroke(box))
    expect(prediction(page)).to_have_text("1", timeout=FIRST_RUN_TIMEOUT_MS)
    expect(page.get_by_text("This first answer comes from a NumPy copy")).to_be_visible()
    expect(page.locator('[title^="9: "]')).to_have_count(1)  # the probability bars: one per digit, 0 to 9
    # A closer look needs TensorFlow: no error, the note stays.
    page.get_by_text("How it decided", exact=True).first.click()
    expect(page.get_by_text("This first answer comes from a NumPy copy")).to_be_visible(timeout=EXPECT_TIMEOUT_MS)
    expect(prediction(page)).to_have_text("1")
    expect(page.get_by_test_id("stException")).to_have_count(0)
