"""Lessons: views kept in a link, the widgets each page keeps, lesson files that check answers, the teacher password."""
