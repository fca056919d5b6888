"""Collections in headless Chromium: a new one goes in the URL, stays there across pages, and a bookmark opens it."""

import re

import pytest
from playwright.sync_api import expect

from tests.support.browser import FIRST_RUN_TIMEOUT_MS, create_collection

pytestmark = pytest.mark.browser

# A name no other test uses (the server's user-data folder is shared by the browser tests).
COLLECTION = "room 12-ada"


def test_a_new_collection_is_carried_in_the_url_and_a_bookmark_opens_it(app_server, page):
    sidebar = create_collection(page, app_server, COLLECTION)
    expect(page).to_have_url(re.compile(r"[?&]collection=room(\+|%20)12-ada"))

    sidebar.get_by_role("link", name="My digits").click()
    expect(page.get_by_text(f"in the collection {COLLECTION}")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/my_digits\?collection=room(\+|%20)12-ada"))

    bookmark = page.context.new_page()
    bookmark.goto(f"{app_server}/my_digits?collection=room%2012-ada")
    expect(bookmark.get_by_text(f"in the collection {COLLECTION}")).to_be_visible(timeout=FIRST_RUN_TIMEOUT_MS)
    bookmark.goto(f"{app_server}/my_digits?collection=nobody-here")
    expect(bookmark.get_by_text("There is no collection named 'nobody-here'")).to_be_visible(
        timeout=FIRST_RUN_TIMEOUT_MS)
