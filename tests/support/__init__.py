"""Helpers the tests share: a Streamlit server of the app, headless Chromium, model stores."""
