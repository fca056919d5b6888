"""A person's labelled drawings: collections in a database, archives, instant personalisation."""
