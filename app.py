"""MNIST CNN Explorer: draw a digit, watch a CNN classify it, and look inside the network."""

from pathlib import Path

import streamlit as st

from ui.lesson_link import (CURRENT_PAGE_KEY, LESSON_KEY, apply_lesson_link, open_linked_page,
                            run_page_and_keep_view, show_share_link)
from ui.lessons.panel import show_lesson_panel
from ui.menu import PAGES
from ui.runtime import configure_server_process
from ui.sidebar import show_sidebar
from ui.state import init_session_state
from ui.warmup import start_warm_up

PAGES_DIR = Path(__file__).parent / "pages"
DEFAULT_PAGE = next(Path(file).stem for file, _, _, default in PAGES if default)  # its URL path is ""

configure_server_process()
start_warm_up()  # the default model compiled and evaluated in the background, once per server
st.set_page_config(page_title="MNIST CNN Explorer", page_icon=":material/draw:", layout="wide")
init_session_state()
# One flat list, every page shown (no "View more" hiding a third of them). Sections would group them, but
# Streamlit puts their headers inside the menu's <ul>, which screen readers misread (axe's serious "list" rule).
navigation = st.navigation([st.Page(PAGES_DIR / file, title=title, icon=icon, default=default)
                            for file, title, icon, default in PAGES], expanded=True)
page_name = navigation.url_path or DEFAULT_PAGE
st.session_state[CURRENT_PAGE_KEY] = page_name  # the fragments that keep the view in the URL read it
apply_lesson_link(page_name)  # a shared link's model, digit, drawing, widgets and lesson mode, once per link
open_linked_page(PAGES_DIR, page_name)
if not st.session_state.get(LESSON_KEY):
    show_sidebar()
show_share_link(page_name)
show_lesson_panel(page_name)  # the question of a lesson step whose view this page shows
run_page_and_keep_view(navigation)  # the address bar follows the view (fragments write after their own changes)
