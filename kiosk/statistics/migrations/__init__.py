"""Alembic migrations of the statistics store (run by kiosk.statistics.migrate, no alembic.ini)."""
