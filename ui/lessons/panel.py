"""The lesson panel over a step's view: the question asked on the page it opened, and the way back or on."""

import streamlit as st

from ui.collections import get_current_collection
from ui.lessons.catalogue import ACTIVE_KEY, PAGES_DIR, find_lesson, load_all_lessons, open_step_view, step_key
from ui.lessons.question import show_question


def close_panel() -> None:
    """Hide the lesson panel (a button callback)."""
    st.session_state.pop(ACTIVE_KEY, None)


@st.fragment
def show_panel_question(lesson, number: int) -> None:
    """The step's question, and the next step's view once it is answered (a fragment: the page stays as it is)."""
    step = lesson.steps[number - 1]
    st.markdown(f"**Lesson: {lesson.title}** · step {number} of {len(lesson.steps)}: {step.title}")
    answered = show_question(lesson, number, get_current_collection())
    columns = st.columns(3, vertical_alignment="center")
    columns[0].page_link(PAGES_DIR / "lessons.py", label="Back to the lesson", icon=":material/school:")
    if answered and number < len(lesson.steps):
        if columns[1].button("Next step", icon=":material/arrow_forward:", type="primary",
                             key="lesson_panel_next"):
            st.session_state[step_key(lesson.name)] = number + 1
            open_step_view(lesson, number + 1)
    columns[2].button("Hide the question", icon=":material/close:", key="lesson_panel_close", on_click=close_panel)


def show_lesson_panel(page_name: str) -> None:
    """Above a page that a lesson step opened: that step's question (nothing on other pages, or when closed)."""
    active = st.session_state.get(ACTIVE_KEY)
    if not active or page_name == "lessons":
        return
    lessons, _ = load_all_lessons()
    lesson = find_lesson(lessons, active[0])
    if lesson is None or not 1 <= active[1] <= len(lesson.steps) or lesson.steps[active[1] - 1].page != page_name:
        return
    with st.container(border=True, key="lesson_panel"):
        show_panel_question(lesson, active[1])
