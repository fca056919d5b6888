"""Figures (matplotlib) and charts (Altair) the pages show, one module per subject."""
