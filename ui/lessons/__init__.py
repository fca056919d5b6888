"""The Lessons page's glue: loading lessons, progress, the step walk, questions, and the panel on a step's view."""
