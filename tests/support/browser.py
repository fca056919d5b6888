"""Debian's Chromium for Playwright: where it is and the flags it runs with in a container."""

CHROMIUM_PATH = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]
# The browser window tests use: a desktop size.
DESKTOP_VIEWPORT = {"width": 1400, "height": 1000}
# How long expect(...) waits for a page to reach the expected state (Playwright's default is 5 s).
EXPECT_TIMEOUT_MS = 20_000
# The first run of a fresh server loads TensorFlow and the model on a busy 2-core machine.
FIRST_RUN_TIMEOUT_MS = 90_000


def create_collection(page, url: str, name: str):
    """Open the app at url and create the collection `name` from the sidebar's picker; the sidebar locator."""
    from playwright.sync_api import expect

    page.goto(url)
    sidebar = page.get_by_test_id("stSidebar")
    expect(sidebar.get_by_text("My collection")).to_be_visible(timeout=FIRST_RUN_TIMEOUT_MS)
    sidebar.get_by_text("New collection").click()
    field = sidebar.get_by_label("Name", exact=True)
    field.fill(name)
    field.press("Enter")
    sidebar.get_by_role("button", name="Create").click()
    return sidebar
