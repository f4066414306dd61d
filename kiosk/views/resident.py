"""The resident screens: one page that shows the terminal's current step."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _

from kiosk.flow import InvalidTransition, Reason
from kiosk.messages import MESSAGES

bp = Blueprint("resident", __name__)

ACTIONS = {"agree", "decline", "cancel", "acknowledge"}
LONG_POLL_SECONDS = 20


def _terminal():
    return current_app.extensions["kiosk.terminal"]


@bp.get("/")
def screen():
    state = _terminal().snapshot()
    reason = MESSAGES[Reason(state["reason"])] if state["reason"] else None
    settings = current_app.config["KIOSK"]
    return render_template("resident.html", state=state, message=reason, settings=settings)


@bp.get("/state")
def state():
    """Long poll: answers when the step changes (or after 20 s) so the page follows the card."""
    since = request.args.get("since", type=int)
    terminal = _terminal()
    if since is None:
        return jsonify(terminal.snapshot())
    return jsonify(terminal.wait_for_change(since, LONG_POLL_SECONDS))


@bp.post("/action")
def action():
    name = request.form.get("action", "")
    if name not in ACTIONS:
        abort(400)
    try:
        _terminal().act(name)
    except InvalidTransition:
        pass  # a stale page or a double tap: the page reloads to the real step
    return redirect(url_for(".screen"))


@bp.post("/pin")
def pin():
    raw = request.form.get("pin", "")
    # Exactly 4 ASCII digits ('١٢٣٤'.isdigit() is True, so compare with the ASCII range).
    if len(raw) != 4 or not all("0" <= c <= "9" for c in raw):
        flash(_("Please enter 4 digits."), "pin")
        return redirect(url_for(".screen"))
    try:
        _terminal().submit_pin(bytearray(raw, "ascii"))
    except InvalidTransition:
        pass
    return redirect(url_for(".screen"))
