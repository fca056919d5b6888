"""Streamlit glue shared by app.py and the pages: cached resources, session state, the sidebar."""

from ui.runtime import enter_through_app

enter_through_app()  # a server's first request to a page's URL goes through app.py too
