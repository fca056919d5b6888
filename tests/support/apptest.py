"""Open a page of the app in Streamlit's AppTest, the way the page tests start."""

from streamlit.testing.v1 import AppTest

from tests.support.server import PROJECT_ROOT

APP_PATH = PROJECT_ROOT / "app.py"
# Seconds an AppTest run may take: the machine is small and shared.
PAGE_RUN_TIMEOUT = 180


def open_app_page(page: str, timeout: float = PAGE_RUN_TIMEOUT, session_state: dict | None = None) -> AppTest:
    """Run the app (with session_state set first), switch to page, run it; fail on any exception."""
    app = AppTest.from_file(str(APP_PATH), default_timeout=timeout)
    for key, value in (session_state or {}).items():
        app.session_state[key] = value
    app.switch_page(page).run()  # the first run opens the page (no run of the default page before it)
    assert not app.exception, [item.value for item in app.exception]
    return app


def open_app_link(query: dict[str, str], timeout: float = PAGE_RUN_TIMEOUT) -> AppTest:
    """The app after its first run with a URL's query (a link's ?page= switches to that page in the same run)."""
    app = AppTest.from_file(str(APP_PATH), default_timeout=timeout)
    for name, value in query.items():
        app.query_params[name] = value
    app.run()
    assert not app.exception, [item.value for item in app.exception]
    return app
