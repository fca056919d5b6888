"""Lessons in a link: open the view a link describes, keep it in the address bar, share it, and a lesson mode."""

from dataclasses import replace
from urllib.parse import urlsplit

import streamlit as st

from mnist_cnn.lessons.link import (OTHER_PARAMETERS, LessonView, build_options, build_query, leave_out_defaults,
                                    make_link, parse_options, parse_query, restore_defaults, select_link_parameters)
from mnist_cnn.lessons.options import LAYER, PAGE_OPTIONS
from mnist_cnn.safety.text import escape_markdown
from ui.state import active_model, get_store

# The test-digit index each page keeps (page URL path -> session key), and this module's session keys.
PAGE_INDEX_KEYS = {"feature_maps": "feature_maps_test_index", "convolution": "convolution_test_index",
                   "fool": "fool_test_index", "decided": "decided_test_index",
                   "ablation": "ablation_test_index",
                   "network": "network_test_index", "digit_map": "digit_map_test_index"}
APPLIED_KEY, LESSON_KEY, PAGE_KEY = "lesson_link_applied", "lesson_mode", "lesson_link_page"
CURRENT_PAGE_KEY = "lesson_link_current_page"  # the page shown (app.py sets it; fragments read it)
PAGE_RUNNING_KEY = "lesson_link_page_running"  # True while a full run runs the page: its end writes the URL
FALLBACK_BASE_URL = "http://localhost:8501"
MAX_MESSAGES = 3  # problems shown one by one; more are counted in one last message


def read_layer_channels() -> dict[str, int] | None:
    """The active model's conv and pooling layers (name -> output channels), or None when it cannot load yet.

    None leaves the link's layer names to the page, which checks them against the model when it shows it.
    """
    _, model = active_model()
    if model is None:
        return None
    from mnist_cnn.explain.feature_maps import list_feature_layers  # TensorFlow: only when a link names a layer

    return {layer.name: layer.output_shape[-1] for layer in list_feature_layers(model, include_pooling=True)}


def apply_page_options(page: str | None, params: dict) -> list[str]:
    """Set the widgets of `page` the link names (checked against the active model); returns what was ignored."""
    options = PAGE_OPTIONS.get(page or "", {})
    needs_model = any(options[name].kind == LAYER for name in params if name in options)
    values, problems = parse_options(page, params, read_layer_channels() if needs_model else None)
    for key, value in values.items():
        st.session_state[key] = value
        st.session_state[f"_{key}_saved"] = value  # where pages keep a widget's value while it is off-screen
    return problems


def report_problems(problems: list[str]) -> None:
    """A short toast for each part of a link that was ignored (at most MAX_MESSAGES, then a count).

    A problem quotes the link's names and values: they are shown as text, never as Markdown (a link, a heading).
    """
    for problem in problems[:MAX_MESSAGES]:
        st.toast(f"Part of the link was ignored: {escape_markdown(problem)}.", icon=":material/link_off:")
    if len(problems) > MAX_MESSAGES:
        st.toast(f"{len(problems) - MAX_MESSAGES} more parts of the link were ignored.", icon=":material/link_off:")


def apply_lesson_link(current_page: str | None = None) -> None:
    """Set the model, drawing, test digit, page widgets and lesson mode the URL asks for (once for each new link)."""
    params = select_link_parameters(st.query_params.to_dict())
    if not params or params == st.session_state.get(APPLIED_KEY):
        return  # no link, or one already applied (the collection picker keeps ?collection= in every page's URL)
    st.session_state[APPLIED_KEY] = params
    page = params.get("page") or current_page
    params = restore_defaults(page, params, shows_digit=page in PAGE_INDEX_KEYS)  # the values it left out
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
    problems += apply_page_options(view.page or current_page, params)
    st.session_state[LESSON_KEY] = view.lesson
    st.session_state[PAGE_KEY] = view.page
    report_problems(problems)


def read_other_parameters() -> dict[str, str]:
    """The URL's parameters that other blocks keep (?collection=), which no link changes."""
    return {name: st.query_params[name] for name in OTHER_PARAMETERS if name in st.query_params}


def open_linked_page(pages_dir, current_page: str | None = None) -> None:
    """Switch to the page a link named (a shared link points at the app's root and names its page)."""
    page = st.session_state.pop(PAGE_KEY, None)
    if page and page != current_page and (pages_dir / f"{page}.py").exists():
        # The link is applied: only the parameters other blocks keep (the collection) go on to the page.
        st.switch_page(pages_dir / f"{page}.py", query_params=read_other_parameters())


def find_base_url() -> str:
    """scheme://host:port of the page the browser shows (a fallback when it is unknown, as in tests)."""
    url = getattr(st.context, "url", None) or ""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else FALLBACK_BASE_URL


def read_current_view(page: str | None, drawing=None, lesson: bool = False) -> LessonView:
    """The view shown on `page`: the active model, the page's test digit and widgets (drawing and lesson as given)."""
    index_key = PAGE_INDEX_KEYS.get(page or "")
    return LessonView(page=page or None, model=st.session_state.get("active_model_name"),
                      digit=st.session_state.get(index_key) if index_key else None, drawing=drawing, lesson=lesson,
                      options=build_options(page, st.session_state))


def keep_view_in_address_bar() -> None:
    """Write the view shown into the address bar (all but the page, named by the path, and the drawing).

    Written only when it changed, and remembered as applied, so the next run does not apply it again. A fragment
    calls it too: alone, it writes; inside a full run it leaves the writing to the run's end (one history entry)."""
    if st.session_state.get(PAGE_RUNNING_KEY):
        return
    page = st.session_state.get(CURRENT_PAGE_KEY)
    view = read_current_view(page, lesson=bool(st.session_state.get(LESSON_KEY)))
    link = leave_out_defaults(page, build_query(replace(view, page=None)))
    query = {**link, **read_other_parameters()}
    if query != st.query_params.to_dict():
        st.query_params.from_dict(query)
    st.session_state[APPLIED_KEY] = link


def run_page_and_keep_view(navigation) -> None:
    """Run the page `st.navigation` chose, then write its view into the address bar."""
    st.session_state[PAGE_RUNNING_KEY] = True
    try:
        navigation.run()
    finally:  # also when the page stops early or reruns: the next fragment run writes for itself
        st.session_state[PAGE_RUNNING_KEY] = False
    keep_view_in_address_bar()


def show_share_link(page_path: str) -> None:
    """A sidebar expander with the link to this view (copy button included) and the lesson-mode switch."""
    with st.sidebar.expander("Copy link to this view", icon=":material/link:", key="lesson_link_box",
                             on_change="rerun"):  # opening it reruns the page, so it shows the view as it is
        drawing = st.session_state.get("drawing_input")
        include_drawing = drawing is not None and st.toggle("Include my drawing", value=True,
                                                            key="lesson_link_drawing")
        lesson = st.toggle("Lesson mode: hide the sidebar's controls", key="lesson_link_lesson",
                           value=bool(st.session_state.get(LESSON_KEY)))
        view = read_current_view(page_path, drawing if include_drawing else None, lesson)
        st.code(make_link(find_base_url(), view), language=None, wrap_lines=True)
        st.caption("The address bar follows this view as you change it (all but your drawing): copy it, or copy "
                   "this link (button at the top right of the box), which adds your drawing. It opens this page "
                   "with the same model, test digit, layer, channel and settings. In lesson mode the sidebar's "
                   "model picker, collection and training controls are hidden.")
        st.button("Update the link", icon=":material/refresh:", key="lesson_link_update",
                  help="Settings changed inside a section (a channel, a slider) reach the address bar at once, "
                       "and this box when it is opened: press this to take them in while it stays open.")
    if st.session_state.get(LESSON_KEY):
        st.sidebar.button("Leave lesson mode", icon=":material/school:", key="lesson_leave",
                          on_click=st.session_state.update, kwargs={LESSON_KEY: False})
