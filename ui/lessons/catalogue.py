"""Lessons for the app: the shipped and the teacher's files, each collection's progress, and opening a step's view."""

import streamlit as st

from mnist_cnn import config
from mnist_cnn.lessons.lesson_files import Lesson, LessonProblem, Step, load_lessons
from mnist_cnn.my_digits.collections import MyDigitsError
from mnist_cnn.my_digits.lesson_progress import read_steps_done, record_step_done
from mnist_cnn.safety.text import escape_markdown
from ui.lesson_link import LESSON_KEY, read_other_parameters
from ui.my_digits_store import my_digits_store

# The app's pages (a step names one by its file name in pages/), and this module's session keys: the lesson being
# walked (a lesson link keeps it, mnist_cnn/lessons/options.py), each lesson's step (from 1), and the step whose
# view is open on another page (lesson name, step number), which that page's lesson panel shows.
PAGES_DIR = config.PROJECT_ROOT / "pages"
OPEN_KEY = "lessons_open"
ACTIVE_KEY = "lessons_active_step"


def step_key(lesson_name: str) -> str:
    """The session key of a lesson's current step (as PAGE_OPTIONS['lessons']['step'] names it)."""
    return f"lessons_step_{lesson_name}"


def list_page_names() -> set[str]:
    """The pages a step may open: the files in pages/, without .py."""
    return {path.stem for path in PAGES_DIR.glob("*.py")}


def load_all_lessons() -> tuple[list[Lesson], list[LessonProblem]]:
    """The shipped lessons and those in the teacher's folder (MNIST_CNN_LESSONS_DIR), and the files that failed.

    Read on every run (a few small files): a lesson a teacher drops in or edits shows at once."""
    return load_lessons([config.SHIPPED_LESSONS_DIR, config.LESSONS_DIR], list_page_names())


def find_lesson(lessons: list[Lesson], name: str | None) -> Lesson | None:
    """The lesson of that name, or None."""
    return next((lesson for lesson in lessons if lesson.name == name), None)


def read_progress(collection: str) -> dict[str, set[int]] | None:
    """Lesson name -> steps done by the collection; None (after a warning) when the database cannot be read."""
    try:
        return read_steps_done(my_digits_store(), collection)
    except MyDigitsError as error:
        st.warning(f"Lesson progress is unavailable: {escape_markdown(error)}", icon=":material/warning:")
        return None


def steps_done(progress: dict[str, set[int]] | None, lesson: Lesson) -> set[int]:
    """The lesson's steps done (those a longer, earlier version of its file had are left out)."""
    return {number for number in (progress or {}).get(lesson.name, set()) if number <= len(lesson.steps)}


def save_step_done(collection: str, lesson: Lesson, number: int) -> bool:
    """Record a right answer for the collection; False (after a warning) when it could not be saved."""
    try:
        record_step_done(my_digits_store(), collection, lesson.name, number)
        return True
    except MyDigitsError as error:
        st.warning(f"Your answer is right, but progress could not be saved: {escape_markdown(error)}",
                   icon=":material/warning:")
        return False


def current_step(lesson: Lesson) -> int:
    """The lesson's current step in this session (from 1), kept within its steps."""
    number = st.session_state.get(step_key(lesson.name), 1)
    number = min(max(int(number), 1), len(lesson.steps))
    st.session_state[step_key(lesson.name)] = number
    return number


def describe_marks(lesson: Lesson, done: set[int], current: int | None = None) -> str:
    """The steps as one line of marks: ✓ done, the current one in bold ("✓ 1 · **2** · 3")."""
    marks = []
    for number in range(1, len(lesson.steps) + 1):
        mark = f"✓ {number}" if number in done else str(number)
        marks.append(f"**{mark}**" if number == current else mark)
    return " · ".join(marks)


def open_step_view(lesson: Lesson, number: int) -> None:
    """Go to the page a step names, its view applied as a shared lesson link's is (app.py applies the query)."""
    step: Step = lesson.steps[number - 1]
    st.session_state[ACTIVE_KEY] = (lesson.name, number)
    query = {name: value for name, value in step.query.items() if name != "page"}  # the path names the page
    if st.session_state.get(LESSON_KEY):
        query["lesson"] = "1"
    st.switch_page(PAGES_DIR / f"{step.page}.py", query_params={**query, **read_other_parameters()})
