"""The web views. Every blueprint reaches the one terminal the same way."""

from __future__ import annotations

from flask import current_app


def current_terminal():
    """This app's Terminal (flow, card worker, gateway, statistics)."""
    return current_app.extensions["kiosk.terminal"]
