"""Alembic's scripts for the app's database: env.py and one module per revision in versions/."""
