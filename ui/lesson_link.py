"""Lessons in a link: open the view a link describes, share the current view, and a lesson mode without controls."""

from urllib.parse import urlsplit

import streamlit as st

from mnist_cnn.lesson_link import LessonView, make_link, parse_query
from ui.state import get_store

# The test-digit index each page keeps (page URL path -> session key), and this module's session keys.
PAGE_INDEX_KEYS = {"feature_maps": "feature_maps_test_index", "convolution": "convolution_test_index",
                   "fool": "fool_test_index"}
APPLIED_KEY, LESSON_KEY, PAGE_KEY = "lesson_link_applied", "lesson_mode", "lesson_link_page"
FALLBACK_BASE_URL = "http://localhost:8501"


def apply_lesson_link() -> None:
    """Set the model, drawing, test digit and lesson mode the URL asks for (once for each new link)."""
    params = st.query_params.to_dict()
    if not params or params == st.session_state.get(APPLIED_KEY):
        return
    st.session_state[APPLIED_KEY] = params
    view, problems = parse_query(params)
    if view.model is not None:
        if view.model in {stored.name for stored in get_store().list_models()}:
            st.session_state["active_model_name"] = view.model
        else:
            problems.append(f"there is no model called {view.model!r} on this server")
    if view.drawing is not None:
        st.session_state["drawing_input"] = view.drawing
        st.session_state["drawing_source"] = "link"
    if view.digit is not None:
        for key in PAGE_INDEX_KEYS.values():
            st.session_state[key] = view.digit
        if view.drawing is None:
            st.session_state["feature_map_index"] = view.digit  # the Feature maps page opens this test digit
    st.session_state[LESSON_KEY] = view.lesson
    st.session_state[PAGE_KEY] = view.page
    for problem in problems:
        st.toast(f"Part of the link was ignored: {problem}.", icon=":material/link_off:")


def open_linked_page(pages_dir) -> None:
    """Switch to the page a link named (links point at the app's root: deep page URLs skip app.py)."""
    page = st.session_state.pop(PAGE_KEY, None)
    if page and (pages_dir / f"{page}.py").exists():
        st.switch_page(pages_dir / f"{page}.py")


def find_base_url() -> str:
    """scheme://host:port of the page the browser shows (a fallback when it is unknown, as in tests)."""
    url = getattr(st.context, "url", None) or ""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else FALLBACK_BASE_URL


def render_share_link(page_path: str) -> None:
    """A sidebar expander with the link to this view (copy button included) and the lesson-mode switch."""
    with st.sidebar.expander("Link to this view", icon=":material/link:"):
        drawing = st.session_state.get("drawing_input")
        include_drawing = drawing is not None and st.toggle("Include my drawing", value=True,
                                                            key="lesson_link_drawing")
        lesson = st.toggle("Lesson mode: hide the sidebar's controls", key="lesson_link_lesson",
                           value=bool(st.session_state.get(LESSON_KEY)))
        index_key = PAGE_INDEX_KEYS.get(page_path)
        view = LessonView(page=page_path or None, model=st.session_state.get("active_model_name"),
                          digit=st.session_state.get(index_key) if index_key else None,
                          drawing=drawing if include_drawing else None, lesson=lesson)
        st.code(make_link(find_base_url(), view), language=None, wrap_lines=True)
        st.caption("Copy the link (button at the top right of the box): it opens this page with the same model, "
                   "test digit and drawing. In lesson mode the model picker and training controls are hidden.")
    if st.session_state.get(LESSON_KEY):
        st.sidebar.button("Leave lesson mode", icon=":material/school:", key="lesson_leave",
                          on_click=st.session_state.update, kwargs={LESSON_KEY: False})
