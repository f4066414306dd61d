"""The venue view: one helper, one sign-in, every kiosk at the venue on one tablet.

The tablet talks only to the kiosk it signed in on (``/staff/venue/``); that kiosk asks its
peers with the venue's shared token (``kiosk.web.venue``). The peers answer on
``/staff/peer/…`` to that token alone: never to a browser's session, and nothing there shows
a PIN or personal data (the same panel state a signed-in helper sees).
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, session, url_for

from kiosk import csrf
from kiosk.statistics.claim import recorded_by_helpers
from kiosk.statistics.help import HelpError, HelpKind
from kiosk.web import current_terminal
from kiosk.web.signin import accounts, panel_state, record_action, s_, staff_required
from kiosk.web.staff_words import table as word_table
from kiosk.web.venue import PeerError

bp = Blueprint("venue", __name__, url_prefix="/staff")


def _watch():
    return current_app.extensions["kiosk.venue"]


def _help_desk():
    return current_app.extensions["kiosk.help"]


def _own_state() -> dict:
    settings = current_app.config["KIOSK"]
    return {"peer": "self", "reachable": True, "terminal_id": settings.terminal_id,
            **panel_state(current_terminal().staff_snapshot())}  # fmt: skip


@bp.get("/venue/")
@staff_required
def page():
    settings = current_app.config["KIOSK"]
    categories = [{"id": c.id, "label": c.label_ja} for c in recorded_by_helpers(settings.claim)]
    return render_template("staff/venue.html", words=word_table(), categories_json=categories)


@bp.get("/venue/state")
@staff_required
def states():
    return jsonify({"kiosks": [_own_state(), *_watch().states()]})


@bp.post("/venue/help")
@staff_required
def record_help():
    """Help on a visit at this kiosk or at a peer (passed on with the token, as this helper)."""
    peer = request.form.get("peer", "self")
    body = {key: request.form.get(key, "") for key in ("event", "kind", "value")} | {"staff": session["staff"]}
    try:
        if peer == "self":
            _record(body)
        else:
            answer = _watch().record_help(int(peer), body)
            if not answer.get("recorded"):
                raise HelpError("refused")
        # Who did it, in the staff actions chain of the kiosk the helper signed in on (a peer
        # does not know this helper's account; its help row names the pseudonym).
        record_action(body["kind"], body["event"], body["value"] or None)
        flash(s_("Help recorded."), "info")
    except (HelpError, PeerError, ValueError):
        flash(s_("Not recorded: that visit or choice is not available here."), "error")
    return redirect(url_for(".page"))


def _record(body: dict) -> str:
    settings = current_app.config["KIOSK"]
    on_duty = [code for code, _ in accounts().on_duty(settings.terminal_id)]
    starts = [start for code, start in accounts().on_duty(settings.terminal_id) if code == body["staff"]]
    return _help_desk().record(body["event"], HelpKind(body["kind"]), body["value"], body["staff"], on_duty,
                               starts[0] if starts else None)  # fmt: skip


def _peer_only() -> None:
    if not _watch().admits(request.headers.get("Authorization")):
        abort(404)  # no token, no venue: nothing here exists for anyone else


@bp.get("/peer/state")
def peer_state():
    _peer_only()
    return jsonify(_own_state())


@bp.post("/peer/help")
@csrf.exempt  # no cookie is involved: the venue token in the header is the credential
def peer_help():
    _peer_only()
    body = request.get_json(silent=True) or {}
    if not all(isinstance(body.get(k), str) for k in ("event", "kind", "value", "staff")):
        return jsonify({"recorded": False}), 400
    try:
        return jsonify({"recorded": True, "where": _record(body)})
    except (HelpError, ValueError):
        return jsonify({"recorded": False}), 409
