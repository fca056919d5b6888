"""One module per schema revision, in order (down_revision links them); add a table with a new one."""
