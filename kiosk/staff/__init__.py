"""Helpers and managers: accounts, sign-in credentials and shifts (no Flask here)."""
