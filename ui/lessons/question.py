"""A step's question: the answer widget, Check, and what follows (a hint, the explanation, "Show answer")."""

import streamlit as st

from mnist_cnn.lessons.answers import AnswerError, check_answer, describe_answer
from mnist_cnn.lessons.lesson_files import CHOICE, NUMBER, Lesson, Question
from ui.lessons.catalogue import save_step_done

# What a step's latest answer was (kept per lesson and step in the session): right, wrong, or the answer was shown.
RIGHT, WRONG, SHOWN = "right", "wrong", "shown"


def answer_key(lesson: Lesson, number: int, part: str) -> str:
    """The session key of one part (answer, tries, outcome, form) of a lesson step's question."""
    return f"lesson_{part}_{lesson.name}_{number}"


def ask(question: Question, key: str):
    """The answer widget of a question: radio buttons for a choice, a text field for a number or a text."""
    if question.kind == CHOICE:
        return st.radio(question.prompt, question.choices, index=None, key=key)
    placeholder = "a number, such as 14 or 0.5" if question.kind == NUMBER else "your answer"
    return st.text_input(question.prompt, key=key, placeholder=placeholder, max_chars=200)


def judge(lesson: Lesson, number: int, given, collection: str) -> None:
    """Check an answer: a right one is recorded for the collection, a wrong one counted; a bad one explained."""
    question = lesson.steps[number - 1].question
    try:
        right = check_answer(question, given)
    except AnswerError as error:
        st.warning(str(error), icon=":material/edit:")
        return
    if right:
        if st.session_state.get(answer_key(lesson, number, "outcome")) != RIGHT:  # one write per step and session
            save_step_done(collection, lesson, number)
        st.session_state[answer_key(lesson, number, "outcome")] = RIGHT
        return
    tries_key = answer_key(lesson, number, "tries")
    st.session_state[tries_key] = st.session_state.get(tries_key, 0) + 1
    st.session_state[answer_key(lesson, number, "outcome")] = WRONG


def show_outcome(lesson: Lesson, number: int) -> None:
    """What the latest answer earned: the explanation, or a hint and (after enough tries) a "Show answer" button."""
    question = lesson.steps[number - 1].question
    outcome = st.session_state.get(answer_key(lesson, number, "outcome"))
    tries = st.session_state.get(answer_key(lesson, number, "tries"), 0)
    if outcome == RIGHT:
        st.success(f"Right! {question.explanation}", icon=":material/check_circle:")
    elif outcome == SHOWN:
        st.info(f"The answer is **{describe_answer(question)}**. {question.explanation}", icon=":material/lightbulb:")
    elif outcome == WRONG:
        st.error(f"Not quite (try {tries}). Hint: {question.hint}", icon=":material/help:")
        if tries >= question.tries_before_answer:
            st.button("Show answer", icon=":material/visibility:", key=answer_key(lesson, number, "show"),
                      on_click=st.session_state.update,
                      kwargs={answer_key(lesson, number, "outcome"): SHOWN})


def show_question(lesson: Lesson, number: int, collection: str) -> bool:
    """A step's question and Check button, then its outcome; True once it is answered right or shown."""
    question = lesson.steps[number - 1].question
    with st.form(key=answer_key(lesson, number, "form"), border=False):
        given = ask(question, answer_key(lesson, number, "answer"))
        checked = st.form_submit_button("Check", icon=":material/task_alt:")
    if checked:
        judge(lesson, number, given, collection)
    show_outcome(lesson, number)
    return st.session_state.get(answer_key(lesson, number, "outcome")) in (RIGHT, SHOWN)
