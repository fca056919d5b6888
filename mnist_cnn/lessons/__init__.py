"""Lessons: views kept in a link, the widgets each page keeps, and the teacher password."""
