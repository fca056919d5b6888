"""A lesson in headless Chromium: a step opens its view (the page with the step's settings, as a lesson link), the
question is answered in the panel over that view, and Next step opens the next step's view."""

import re

import pytest
from playwright.sync_api import expect

from tests.support.browser import FIRST_RUN_TIMEOUT_MS

pytestmark = pytest.mark.browser


def test_a_steps_view_opens_with_its_question_answered_in_place_and_next_opens_the_next_view(app_server, page):
    page.goto(f"{app_server}/lessons?open=convolution_arithmetic&step=3")
    expect(page.get_by_role("heading", name="Convolution arithmetic: Stride 2")).to_be_visible(
        timeout=FIRST_RUN_TIMEOUT_MS)
    page.get_by_role("button", name="Open Convolution demo with this view").click()
    expect(page).to_have_url(re.compile(r"/convolution\?(.*&)?stride=2(&|$)"), timeout=FIRST_RUN_TIMEOUT_MS)
    expect(page.get_by_role("slider", name="Stride s")).to_have_value("2", timeout=FIRST_RUN_TIMEOUT_MS)
    panel = page.locator(".st-key-lesson_panel")
    expect(panel.get_by_text("step 3 of 4")).to_be_visible()

    panel.get_by_label(re.compile("padding 1 and stride 2")).fill("13")
    panel.get_by_role("button", name="Check").click()
    expect(panel.get_by_text("Not quite (try 1)")).to_be_visible()
    panel.get_by_label(re.compile("padding 1 and stride 2")).fill("14")
    panel.get_by_role("button", name="Check").click()
    expect(panel.get_by_text("Right!")).to_be_visible()

    panel.get_by_role("button", name="Next step").click()
    expect(page).to_have_url(re.compile(r"/convolution\?(.*&)?padding=2(&.*)?&stride=3(&|$)"))
    expect(page.get_by_role("slider", name="Stride s")).to_have_value("3")
    expect(panel.get_by_text("step 4 of 4")).to_be_visible()
    panel.get_by_role("link", name="Back to the lesson").first.click()  # (a rerun may still show the last one)
    expect(page.get_by_role("heading", name="Convolution arithmetic: Padding 2, stride 3")).to_be_visible()
    expect(page.get_by_text("✓ 3")).to_be_visible()  # the step answered in the panel is marked done
    assert page.get_by_test_id("stException").count() == 0
