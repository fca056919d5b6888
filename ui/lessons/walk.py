"""The Lessons page's walk through one lesson: step k of n with done marks, the step's view, its question, next."""

import streamlit as st

from mnist_cnn.lessons.lesson_files import Lesson, LessonProblem
from mnist_cnn.safety.text import escape_markdown
from ui.lessons.catalogue import current_step, describe_marks, open_step_view, read_progress, step_key, steps_done
from ui.lessons.question import show_question
from ui.menu import PAGE_TITLES

# The title each page shows in the menu, for a step's "Open …" button (pages without one use their file name).


def go_to_step(lesson: Lesson, number: int) -> None:
    """Make `number` the lesson's current step (a button callback)."""
    st.session_state[step_key(lesson.name)] = number


def show_step_header(lesson: Lesson, number: int, done: set[int]) -> None:
    """Step k of n, a progress bar of the steps done, and the marks of every step."""
    st.progress(len(done) / len(lesson.steps),
                text=f"Step {number} of {len(lesson.steps)} · {len(done)} of {len(lesson.steps)} answered right")
    st.markdown(describe_marks(lesson, done, number))


def show_step_buttons(lesson: Lesson, number: int, answered: bool) -> None:
    """Previous and Next (Next stands out once the step is answered)."""
    columns = st.columns([1, 1, 3])
    columns[0].button("Previous", icon=":material/arrow_back:", key=f"lessons_previous_{lesson.name}",
                      disabled=number == 1, on_click=go_to_step, args=(lesson, number - 1))
    if number < len(lesson.steps):
        columns[1].button("Next step", icon=":material/arrow_forward:", key=f"lessons_next_{lesson.name}",
                          type="primary" if answered else "secondary", on_click=go_to_step, args=(lesson, number + 1))
    elif answered:
        columns[1].markdown("**End of the lesson.**")


def show_lesson_walk(lesson: Lesson, collection: str) -> dict[str, set[int]] | None:
    """One lesson, step by step: the step's text, a button that opens its view, its question and the way on.

    Returns every lesson's progress as read after the answer (None when it cannot be read). (Not a fragment: a
    right answer changes the marks and the lesson list, and this page holds no model.)"""
    number = current_step(lesson)
    step = lesson.steps[number - 1]
    st.subheader(f"{lesson.title}: {step.title}", divider="gray")
    header = st.container()  # filled once the answer is checked, so that its marks include this step
    if step.text:
        st.markdown(step.text)
    page_title = PAGE_TITLES.get(step.page, step.page)
    if st.button(f"Open {page_title} with this view", icon=":material/open_in_new:",
                 key=f"lessons_open_view_{lesson.name}",
                 help="Opens the page with the step's settings; the question is shown above it, so you can answer "
                      "there, or come back here."):
        open_step_view(lesson, number)
    answered = show_question(lesson, number, collection)
    progress = read_progress(collection)
    with header:
        show_step_header(lesson, number, steps_done(progress, lesson))
    show_step_buttons(lesson, number, answered)
    return progress


def show_lesson_list(lessons: list[Lesson], progress: dict[str, set[int]] | None) -> None:
    """Every lesson with its summary and how many of its steps this collection has answered right."""
    for lesson in lessons:
        done = steps_done(progress, lesson)
        mark = " ✓" if len(done) == len(lesson.steps) else ""
        st.markdown(f"**{lesson.title}**{mark} · {len(done)} of {len(lesson.steps)} steps done  \n{lesson.summary}")


def show_lesson_problems(problems: list[LessonProblem]) -> None:
    """The lesson files that could not be used, each with its reason (a bad file never stops the page)."""
    if not problems:
        return
    with st.expander(f"{len(problems)} lesson file{'s' if len(problems) > 1 else ''} could not be loaded",
                     icon=":material/warning:"):
        for problem in problems:
            st.markdown(escape_markdown(problem.message))  # it starts with the file's name
