"""The Draw page in headless Chromium: a stroke (mouse or finger) reads 1, a loop reads 0, Clear empties it.

A digit picked in the "Teach it" row saves the drawing once.
"""

import math

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

# Generous: the first prediction loads TensorFlow and the model on a busy 2-core machine.
PREDICTION_TIMEOUT_MS = 90_000


def open_canvas(page, url):
    """Open the app (the Draw page is the default) and return the canvas's bounding box."""
    page.goto(url)
    canvas = page.locator("canvas").first
    expect(canvas).to_be_visible(timeout=PREDICTION_TIMEOUT_MS)
    page.wait_for_timeout(500)  # let the canvas attach its pointer handlers
    return canvas.bounding_box()


def draw_path(page, points):
    """Press at the first point, drag through the others, release."""
    page.mouse.move(*points[0])
    page.mouse.down()
    for point in points[1:]:
        page.mouse.move(*point, steps=3)
    page.mouse.up()


def vertical_stroke(box):
    """A straight vertical line through most of the canvas's height."""
    x = box["x"] + box["width"] / 2
    return [(x, box["y"] + box["height"] * fraction) for fraction in (0.15, 0.5, 0.85)]


def closed_loop(box):
    """An upright ellipse around the canvas's centre, closed and slightly overlapping."""
    centre_x, centre_y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    return [(centre_x + 0.22 * box["width"] * math.sin(2 * math.pi * step / 36),
             centre_y - 0.33 * box["height"] * math.cos(2 * math.pi * step / 36)) for step in range(39)]


def prediction(page):
    """The value of the Prediction metric (the sidebar has metrics of its own)."""
    return page.get_by_test_id("stMetric").filter(has_text="Prediction").get_by_test_id("stMetricValue")


def test_vertical_stroke_reads_one(app_server, page):
    box = open_canvas(page, app_server)
    draw_path(page, vertical_stroke(box))
    expect(prediction(page)).to_have_text("1", timeout=PREDICTION_TIMEOUT_MS)
    # The stroke was sent the moment it ended, through the canvas's own toolbar (not after its 200 ms pause).
    expect(page.get_by_role("button", name="Clear")).to_have_attribute("data-strokes-sent", "1")


def test_closed_loop_reads_zero(app_server, page):
    box = open_canvas(page, app_server)
    draw_path(page, closed_loop(box))
    expect(prediction(page)).to_have_text("0", timeout=PREDICTION_TIMEOUT_MS)
    # The steps and the saliency overlay are shown on demand (they cost more than the rest of a stroke).
    expect(page.get_by_text("What made the network say 0")).to_have_count(0)
    page.get_by_text("How it decided", exact=True).click()
    # On a fresh server the closer looks wait for TensorFlow's warm-up (the first answers come from NumPy).
    expect(page.get_by_text("centred by mass")).to_be_visible(timeout=PREDICTION_TIMEOUT_MS)
    expect(page.get_by_text("What made the network say 0")).to_be_visible()


def test_clear_removes_the_prediction(app_server, page):
    box = open_canvas(page, app_server)
    draw_path(page, vertical_stroke(box))
    expect(prediction(page)).to_be_visible(timeout=PREDICTION_TIMEOUT_MS)
    page.get_by_role("button", name="Clear").click()
    expect(prediction(page)).to_have_count(0, timeout=PREDICTION_TIMEOUT_MS)
    expect(page.get_by_text("Draw a digit on the black square")).to_be_visible()


def count_canvas_ink(page) -> int:
    """Bright pixels on the canvas's layers (background, drawing, pointer overlay); the pen is white on black."""
    return sum(page.locator("canvas").evaluate_all("""canvases => canvases.map(canvas => {
      const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
      let ink = 0;
      for (let i = 0; i < data.length; i += 4) { if (data[i] > 128 && data[i + 3] > 128) ink++; }
      return ink;
    })"""))


def test_clear_empties_the_canvas_in_place_and_the_next_stroke_is_read(app_server, page):
    box = open_canvas(page, app_server)
    draw_path(page, closed_loop(box))
    expect(prediction(page)).to_have_text("0", timeout=PREDICTION_TIMEOUT_MS)
    assert count_canvas_ink(page) > 0
    canvas_handle = page.locator("canvas").first.element_handle()
    page.get_by_role("button", name="Clear").click()
    expect(prediction(page)).to_have_count(0, timeout=PREDICTION_TIMEOUT_MS)
    assert count_canvas_ink(page) == 0
    # The same canvas element stays (no remount), so a stroke drawn right after Clear is not lost.
    assert canvas_handle.evaluate("canvas => canvas.isConnected")
    draw_path(page, vertical_stroke(box))
    expect(prediction(page)).to_have_text("1", timeout=PREDICTION_TIMEOUT_MS)



def test_a_stroke_drawn_right_after_clear_is_not_lost(app_server, page):
    box = open_canvas(page, app_server)
    draw_path(page, closed_loop(box))
    expect(prediction(page)).to_have_text("0", timeout=PREDICTION_TIMEOUT_MS)
    page.get_by_role("button", name="Clear").click()
    draw_path(page, vertical_stroke(box))  # no wait: Clear empties the canvas in the browser, at once
    expect(prediction(page)).to_have_text("1", timeout=PREDICTION_TIMEOUT_MS)
    page.wait_for_timeout(1000)  # anything still on its way (there should be nothing) has arrived
    expect(prediction(page)).to_have_text("1")
    assert count_canvas_ink(page) > 0


@pytest.fixture
def touch_page(chromium):
    """A fresh page on a touch screen (a tablet-sized context with touch events)."""
    context = chromium.new_context(viewport={"width": 1180, "height": 820}, has_touch=True)
    yield context.new_page()
    context.close()


def swipe(page, points):
    """A finger put down at the first point, moved through the others and lifted (Chrome DevTools touch events)."""
    session = page.context.new_cdp_session(page)
    (first_x, first_y), rest = points[0], points[1:]
    session.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": first_x, "y": first_y}]})
    for x, y in rest:
        session.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [{"x": x, "y": y}]})
    session.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})


def test_a_finger_stroke_reads_one_on_a_touch_screen(app_server, touch_page):
    box = open_canvas(touch_page, app_server)
    top, bottom = box["y"] + 0.15 * box["height"], box["y"] + 0.85 * box["height"]
    x = box["x"] + box["width"] / 2
    swipe(touch_page, [(x, top + (bottom - top) * step / 10) for step in range(11)])
    expect(prediction(touch_page)).to_have_text("1", timeout=PREDICTION_TIMEOUT_MS)


def letter_x(box):
    """The two strokes of a large X: a letter that is no digit."""
    left, top = box["x"] + 0.2 * box["width"], box["y"] + 0.2 * box["height"]
    right, bottom = box["x"] + 0.8 * box["width"], box["y"] + 0.8 * box["height"]
    return [[(left, top), ((left + right) / 2, (top + bottom) / 2), (right, bottom)],
            [(right, top), ((left + right) / 2, (top + bottom) / 2), (left, bottom)]]


def test_a_letter_is_called_not_a_digit(app_server, page):
    box = open_canvas(page, app_server)
    first, second = letter_x(box)
    draw_path(page, first)
    expect(prediction(page)).to_be_visible(timeout=PREDICTION_TIMEOUT_MS)
    draw_path(page, second)
    expect(prediction(page)).to_have_text("not a digit", timeout=PREDICTION_TIMEOUT_MS)
    expect(page.get_by_text("That is not a digit.")).to_be_visible()
    expect(page.get_by_text("Why not just trust the percentage?")).to_be_visible()


def test_a_drawing_is_saved_with_the_digit_picked_over_the_answer(app_server, page):
    box = open_canvas(page, app_server)
    teach = page.get_by_role("radiogroup", name="Teach it your handwriting: save the drawing as a")
    toasts = page.get_by_test_id("stToast")
    draw_path(page, vertical_stroke(box))
    expect(prediction(page)).to_have_text("1", timeout=PREDICTION_TIMEOUT_MS)
    teach.get_by_role("radio", name="1", exact=True).click()
    expect(toasts.filter(has_text="Saved as a 1")).to_be_visible()
    expect(page.get_by_text("This drawing is saved")).to_be_visible()
    expect(teach.get_by_role("radio", checked=True)).to_have_count(0)  # ready for the next drawing
    teach.get_by_role("radio", name="7", exact=True).click()  # the same drawing again: not saved twice
    expect(toasts.filter(has_text="already saved")).to_be_visible()
    page.get_by_role("button", name="Clear").click()
    expect(prediction(page)).to_have_count(0, timeout=PREDICTION_TIMEOUT_MS)
    teach.get_by_role("radio", name="4", exact=True).click()  # nothing on the canvas: nothing to save
    expect(toasts.filter(has_text="Draw a digit on the canvas first")).to_be_visible()
