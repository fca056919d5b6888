"""Parts of the How-it-decided page: attribution maps cached per model, digit and class, and the sanity check."""
