"""Lessons: short lessons that open a view of the app, ask a question about it, check the answer and say why."""

import streamlit as st

from mnist_cnn import config
from mnist_cnn.safety.text import escape_markdown
from ui.collections import get_current_collection
from ui.lessons.catalogue import OPEN_KEY, find_lesson, load_all_lessons, read_progress
from ui.lessons.walk import show_lesson_list, show_lesson_problems, show_lesson_walk
from ui.state import restore_widget, save_widget, set_widget

st.title("Lessons")
collection = get_current_collection()
st.caption(f"Each step opens a view of the app and asks a question about it: check your answer, get a hint when "
           f"it is wrong and the reason when it is right. Progress is kept for the collection "
           f"**{escape_markdown(collection)}** (choose yours in the sidebar).")
lessons, problems = load_all_lessons()
show_lesson_problems(problems)
if not lessons:
    st.info("No lessons are available on this server.", icon=":material/school:")
    st.stop()

names = [lesson.name for lesson in lessons]
restore_widget(OPEN_KEY, None)  # the lesson stays open while a step's view is shown on another page
if st.session_state[OPEN_KEY] not in (None, *names):  # a link to a lesson this server does not have
    st.warning(f"There is no lesson called {escape_markdown(st.session_state[OPEN_KEY])} on this server.")
    set_widget(OPEN_KEY, None)
titles = {lesson.name: lesson.title for lesson in lessons}
name = st.selectbox("Lesson", names, key=OPEN_KEY, placeholder="Pick a lesson", format_func=titles.get,
                    on_change=save_widget, args=(OPEN_KEY,))
lesson = find_lesson(lessons, name)
progress = show_lesson_walk(lesson, collection) if lesson is not None else read_progress(collection)

st.subheader("All lessons", divider="gray")
show_lesson_list(lessons, progress)
st.caption(f"Teachers: a lesson is a small text file (TOML) that any teacher can write; put yours in the folder "
           f"named by `MNIST_CNN_LESSONS_DIR` ({'not set' if config.LESSONS_DIR is None else 'set'} on this server). "
           f"The README's \"Lessons that check answers\" shows the format with a full example.")
