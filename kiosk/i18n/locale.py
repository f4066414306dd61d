"""Which language a page is in: the resident's choice on this terminal, else the default."""

from __future__ import annotations

from flask import current_app, request

from kiosk.i18n.languages import LANGUAGES, language


def current_language() -> str:
    """The language code of this request: ?lang=, else the resident's choice, else the default."""
    chosen = request.args.get("lang") if request else None
    if chosen in LANGUAGES:
        return chosen
    terminal = current_app.extensions.get("kiosk.terminal")
    if terminal is not None and request and request.blueprint == "resident":
        return terminal.flow.language
    return current_app.config["KIOSK"].default_language


def select_locale() -> str:
    return language(current_language()).locale
