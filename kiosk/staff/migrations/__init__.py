"""Alembic migrations of the staff accounts' store (run by kiosk.staff.accounts, no alembic.ini)."""
