"""Demo panel (demo mode only): put a demo resident's virtual card on the reader, or take it."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for

from kiosk.visit.flow import InvalidTransition
from kiosk.web import current_terminal

bp = Blueprint("demo", __name__, url_prefix="/demo")


def _cards():
    return current_app.extensions["kiosk.demo"]


@bp.get("/")
def panel():
    cards = _cards()
    return render_template(
        "demo.html",
        residents=cards.residents,
        current=cards.current,
        state=current_terminal().snapshot(),
    )


@bp.post("/insert")
def insert():
    key = request.form.get("resident", "")
    cards = _cards()
    if key not in cards.residents:
        abort(400)
    cards.insert(key)
    return redirect(url_for(".panel"))


@bp.post("/allow-last-try")
def allow_last_try():
    """Stands in for the staff panel's control until staff sign-in exists."""
    try:
        current_terminal().allow_last_try()
    except InvalidTransition:
        pass  # the card was taken meanwhile: the panel shows the real state
    return redirect(url_for(".panel"))


@bp.post("/remove")
def remove():
    _cards().remove()
    return redirect(url_for(".panel"))
