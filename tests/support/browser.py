"""Debian's Chromium for Playwright: where it is and the flags it runs with in a container."""

CHROMIUM_PATH = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]
# The browser window tests use: a desktop size.
DESKTOP_VIEWPORT = {"width": 1400, "height": 1000}
# How long expect(...) waits for a page to reach the expected state (Playwright's default is 5 s).
EXPECT_TIMEOUT_MS = 20_000
