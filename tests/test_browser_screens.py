"""Every screen in headless Chromium: the whole canvas at five widths, a finger drawing on a phone, nothing overlapping.

Also a shared link's drawing on the Draw page's canvas, and My digits' Delete buttons shown whole. Screenshots go to
tests/output/screens/ (ignored by git) for a person to look at.
"""

import numpy as np
import pytest
from playwright.sync_api import expect

from mnist_cnn.lessons.link import LessonView, make_link
from tests.support.browser import FIRST_RUN_TIMEOUT_MS
from tests.support.server import PROJECT_ROOT

pytestmark = pytest.mark.browser

SCREENSHOTS = PROJECT_ROOT / "tests" / "output" / "screens"
PHONE = {"width": 390, "height": 844}
DESKTOP_WIDTHS = [1024, 1280, 1400, 1920]

# The part of an element's box left visible by its ancestors that clip (overflow other than visible), across the
# canvas component's shadow root: [visible width, visible height, drawing width, drawing height].
VISIBLE_BOX_JS = """element => {
  const box = element.getBoundingClientRect();
  let [left, top, right, bottom] = [box.left, box.top, box.right, box.bottom];
  for (let node = element; node; ) {
    node = node.parentElement || (node.getRootNode() instanceof ShadowRoot ? node.getRootNode().host : null);
    if (!node || node === document.documentElement) break;
    const style = getComputedStyle(node);
    if (style.overflowX === "visible" && style.overflowY === "visible") continue;
    const clip = node.getBoundingClientRect();
    [left, top] = [Math.max(left, clip.left), Math.max(top, clip.top)];
    [right, bottom] = [Math.min(right, clip.right), Math.min(bottom, clip.bottom)];
  }
  return [Math.max(0, right - left), Math.max(0, bottom - top), element.width, element.height];
}"""


# Whether the canvas's layers hold more than `least` bright pixels (the pen is white on black).
CANVAS_INK_JS = """least => {
  const host = document.querySelector('.st-key-digit_canvas [data-testid="stBidiComponentIsolated"]');
  let ink = 0;
  for (const canvas of host?.shadowRoot?.querySelectorAll('canvas') ?? []) {
    const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    for (let i = 0; i < data.length; i += 4) { if (data[i] > 128 && data[i + 3] > 128) ink++; }
  }
  return ink > least;
}"""


def open_draw_page(page, url):
    """Open the Draw page; the canvas (the top one of its layers), once it is ready for strokes."""
    page.goto(url)
    canvas = page.locator("canvas").last  # Fabric's upper canvas takes the pointer
    expect(canvas).to_be_visible(timeout=FIRST_RUN_TIMEOUT_MS)
    expect(page.get_by_role("button", name="Clear")).to_be_visible()
    return canvas


def assert_canvas_whole(canvas, width):
    """The canvas, scrolled into view, shows its whole drawing surface: nothing cut off by a column or a scroller."""
    canvas.scroll_into_view_if_needed()
    visible_width, visible_height, drawing_width, drawing_height = canvas.evaluate(VISIBLE_BOX_JS)
    assert (round(visible_width), round(visible_height)) == (drawing_width, drawing_height), f"at {width} px"


def prediction(page):
    """The value of the Draw page's Prediction metric."""
    return page.get_by_test_id("stMetric").filter(has_text="Prediction").get_by_test_id("stMetricValue")


def boxes_overlap(first, second) -> bool:
    """Whether two bounding boxes share any area."""
    return (first["x"] < second["x"] + second["width"] and second["x"] < first["x"] + first["width"]
            and first["y"] < second["y"] + second["height"] and second["y"] < first["y"] + first["height"])


def main_scroll(page) -> float:
    """How far the page's main area (Streamlit's scroll container) is scrolled."""
    return page.get_by_test_id("stMain").evaluate("main => main.scrollTop + window.scrollY")


def swipe_down(page, box):
    """A finger put on the canvas, drawn down through most of its height and lifted (Chrome DevTools touch events)."""
    session = page.context.new_cdp_session(page)
    x, top, bottom = box["x"] + box["width"] / 2, box["y"] + 0.15 * box["height"], box["y"] + 0.85 * box["height"]
    points = [(x, top + (bottom - top) * step / 12) for step in range(13)]
    session.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": points[0][0],
                                                                                      "y": points[0][1]}]})
    for point_x, point_y in points[1:]:
        session.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [{"x": point_x, "y": point_y}]})
    session.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})


def test_a_phone_shows_the_whole_canvas_first_and_a_finger_draws_without_scrolling(app_server, chromium):
    context = chromium.new_context(viewport=PHONE, has_touch=True, is_mobile=True, device_scale_factor=2)
    page = context.new_page()
    try:
        canvas = open_draw_page(page, app_server)
        assert_canvas_whole(canvas, PHONE["width"])
        canvas_box = canvas.bounding_box()
        assert canvas_box["x"] >= 0 and canvas_box["x"] + canvas_box["width"] <= PHONE["width"]  # fits the width
        # The canvas comes before the five rows of controls (the pen, Clear, the label picker, the switches).
        for control in (page.get_by_text("Pen width"), page.get_by_role("button", name="Clear"),
                        page.get_by_text("Use my drawings")):
            assert control.bounding_box()["y"] > canvas_box["y"] + canvas_box["height"]
        assert canvas.evaluate("canvas => getComputedStyle(canvas).touchAction") == "none"
        scrolled = main_scroll(page)
        swipe_down(page, canvas_box)
        expect(prediction(page)).to_have_text("1", timeout=FIRST_RUN_TIMEOUT_MS)
        assert main_scroll(page) == scrolled  # the finger drew; the page did not move
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=SCREENSHOTS / "draw-390-touch.png", full_page=True)
    finally:
        context.close()


def test_the_whole_canvas_and_the_what_if_panel_at_desktop_widths(app_server, page):
    canvas = open_draw_page(page, app_server)
    box = canvas.bounding_box()
    x = box["x"] + box["width"] / 2
    page.mouse.move(x, box["y"] + 0.15 * box["height"])
    page.mouse.down()
    page.mouse.move(x, box["y"] + 0.85 * box["height"], steps=8)
    page.mouse.up()
    expect(prediction(page)).to_have_text("1", timeout=FIRST_RUN_TIMEOUT_MS)
    page.get_by_text("What if…", exact=True).click()
    picture = page.get_by_role("img", name="The drawing after the changed preprocessing")
    reading = page.get_by_test_id("stMetric").filter(has_text="The network now reads")
    expect(reading).to_be_visible(timeout=FIRST_RUN_TIMEOUT_MS)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for width in DESKTOP_WIDTHS:
        page.set_viewport_size({"width": width, "height": 1000})
        assert_canvas_whole(canvas, width)
        reading.scroll_into_view_if_needed()
        assert not boxes_overlap(picture.bounding_box(), reading.bounding_box()), f"at {width} px"
        page.screenshot(path=SCREENSHOTS / f"draw-{width}-what-if.png", full_page=True)


def test_a_shared_drawing_is_on_the_canvas_and_a_saved_one_has_a_whole_delete_button(app_server, page, mnist):
    _, (x_test, y_test) = mnist
    index = int(np.flatnonzero(y_test == 7)[0])
    link = make_link(app_server, LessonView(page="draw", drawing=x_test[index].astype(np.float32) / 255.0))
    canvas = open_draw_page(page, link)
    expect(prediction(page)).to_have_text("7", timeout=FIRST_RUN_TIMEOUT_MS)  # answered before any stroke
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_function(CANVAS_INK_JS, arg=1000)  # the linked 7 is drawn on the canvas (its image loads)
    page.screenshot(path=SCREENSHOTS / "draw-shared-link.png")
    assert_canvas_whole(canvas, page.viewport_size["width"])
    teach = page.get_by_role("radiogroup", name="Teach it your handwriting: save the drawing as a")
    teach.get_by_role("radio", name="7", exact=True).click()
    expect(page.get_by_test_id("stToast").filter(has_text="Saved as a 7")).to_be_visible()
    page.get_by_role("button", name="Clear").click()  # the linked drawing is gone for good
    expect(prediction(page)).to_have_count(0, timeout=FIRST_RUN_TIMEOUT_MS)
    expect(page.get_by_text("Draw a digit on the black square")).to_be_visible()
    page.get_by_test_id("stSidebarNav").get_by_text("My digits").click()
    delete = page.get_by_role("button", name="Delete").first
    for width in (1024, 1400):
        page.set_viewport_size({"width": width, "height": 1000})
        expect(delete).to_be_visible(timeout=FIRST_RUN_TIMEOUT_MS)
        # No block inside the button (its text, the text's boxes) is narrower than what it holds.
        assert delete.evaluate("""button => [button, ...button.querySelectorAll('*')]
          .filter(element => getComputedStyle(element).display !== 'inline')
          .every(element => element.scrollWidth <= element.clientWidth)"""), f"'Delete' is cut at {width} px"
        assert delete.inner_text().strip().endswith("Delete")
    page.screenshot(path=SCREENSHOTS / "my-digits-1400.png", full_page=True)
