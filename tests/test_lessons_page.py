"""The Lessons page in AppTest: a wrong answer gets a hint and stays, a right one the explanation, saved progress and
the next step; "Show answer" after the tries; a step opens its view as a lesson link, with the question above it.

(Streamlit 1.67's AppTest runs app.py only in an app's first run: the panel that app.py draws over a step's view is
checked on a first run that opens the view's link, as the server's run after the switch does.)"""

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from mnist_cnn import config
from mnist_cnn.lessons.link import build_options
from mnist_cnn.my_digits.collections import DEFAULT_COLLECTION, MyDigitsStore
from mnist_cnn.my_digits.lesson_progress import read_steps_done
from tests.support.apptest import APP_PATH, PAGE_RUN_TIMEOUT, open_app_page

LESSON = "convolution_arithmetic"


@pytest.fixture
def user_data(tmp_path, monkeypatch):
    """A private drawings database and a teacher's lesson folder holding one broken file."""
    monkeypatch.setattr(config, "USER_DATA_DIR", tmp_path / "user_data")
    monkeypatch.setattr(config, "LESSONS_DIR", tmp_path / "lessons")
    (tmp_path / "lessons").mkdir()
    (tmp_path / "lessons" / "broken.toml").write_text('title = "Broken"\n[[steps]]\npage = "convolution"\n')
    return MyDigitsStore(tmp_path / "user_data" / "my_digits.sqlite3")


def answer(app: AppTest, step: int, text: str) -> AppTest:
    """Type an answer to a step's question and press Check."""
    app.text_input(key=f"lesson_answer_{LESSON}_{step}").input(text)
    app.button(key=f"FormSubmitter:lesson_form_{LESSON}_{step}-Check").click().run()
    assert not app.exception, [item.value for item in app.exception]
    return app


def test_a_wrong_answer_gets_a_hint_and_a_right_one_the_explanation_progress_and_the_next_step(user_data):
    app = open_app_page("pages/lessons.py")  # the page alone (no sidebar, no model): quick
    assert "Convolution arithmetic** · 0 of 4 steps done" in " ".join(item.value for item in app.markdown)
    app.selectbox(key="lessons_open").set_value(LESSON).run()
    assert app.title[0].value == "Lessons" and app.subheader[0].value == "Convolution arithmetic: No padding"
    problems = " ".join(item.value for item in app.markdown).replace("\\", "")  # shown as text: escaped
    assert "broken.toml, step 1" in problems and "step 1: 'question' is missing" in problems  # listed, not a crash

    answer(app, 1, "28")
    assert "Hint: The kernel's centre" in app.error[0].value and not app.success
    assert app.subheader[0].value == "Convolution arithmetic: No padding"  # not advanced
    assert read_steps_done(user_data, DEFAULT_COLLECTION) == {}

    answer(app, 1, "26")
    assert app.success[0].value.startswith("Right! ⌊(28 + 2·0 − 3) / 1⌋ + 1 = 26") and not app.error
    assert read_steps_done(user_data, DEFAULT_COLLECTION) == {LESSON: {1}}
    shown = " ".join(item.value for item in app.markdown)
    assert "**✓ 1** · 2 · 3 · 4" in shown and "Convolution arithmetic** · 1 of 4 steps done" in shown
    app.button(key=f"lessons_next_{LESSON}").click().run()
    assert app.subheader[0].value == "Convolution arithmetic: Same size"
    assert build_options("lessons", app.session_state) == {"open": LESSON, "step": "2"}  # what a link keeps

    answer(app, 2, "30")
    assert not [button for button in app.button if button.key == f"lesson_show_{LESSON}_2"]  # one try: no answer
    answer(app, 2, "thirty")
    assert "Type a number" in app.warning[0].value  # not counted as a try
    answer(app, 2, "26")
    app.button(key=f"lesson_show_{LESSON}_2").click().run()
    assert app.info[0].value.startswith("The answer is **28**.")
    assert read_steps_done(user_data, DEFAULT_COLLECTION) == {LESSON: {1}}  # a shown answer is not a done step


def test_a_step_opens_its_view_as_a_lesson_link_with_its_question_above_it(user_data, monkeypatch):
    app = open_app_page("pages/lessons.py", session_state={"lessons_open": LESSON, f"lessons_step_{LESSON}": 3})
    opened = []
    monkeypatch.setattr(st, "switch_page", lambda page, query_params=None: opened.append((page, query_params)))
    assert app.subheader[0].value == "Convolution arithmetic: Stride 2"
    app.button(key=f"lessons_open_view_{LESSON}").click().run()
    (page, query), = opened
    assert page == config.PROJECT_ROOT / "pages" / "convolution.py"
    assert query == {"digit": "7", "kernel": "sobel_x", "padding": "1", "stride": "2"}
    assert app.session_state["lessons_active_step"] == (LESSON, 3)
    monkeypatch.undo()  # app.py switches to a link's page itself

    view = AppTest.from_file(str(APP_PATH), default_timeout=PAGE_RUN_TIMEOUT)
    view.session_state["lessons_active_step"] = (LESSON, 3)
    for name, value in {"page": "convolution", **query}.items():
        view.query_params[name] = value
    view.run()  # what the server runs after the switch: app.py applies the query, draws the panel, runs the page
    assert not view.exception, [item.value for item in view.exception]
    assert view.title[0].value == "Convolution demo"
    assert (view.slider(key="steps_padding").value, view.slider(key="steps_stride").value) == (1, 2)
    assert view.number_input(key="convolution_test_index").value == 7
    assert any(item.value.startswith("**Lesson: Convolution arithmetic** · step 3 of 4") for item in view.markdown)
    assert view.text_input(key=f"lesson_answer_{LESSON}_3").label.startswith("With a 3×3 kernel, padding 1 and")
