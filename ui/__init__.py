"""Streamlit glue shared by app.py and the pages: cached resources, session state, the sidebar."""
