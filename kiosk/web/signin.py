"""Shared pieces of the staff-side pages (helpers and managers): their own message domain
(Japanese and English), sign-in checks, and what the staff panel may show."""

from __future__ import annotations

from functools import wraps

from flask import abort, current_app, redirect, request, session, url_for
from flask_babel import Domain

from kiosk.i18n.staff_words import STAFF_TRANSLATIONS

staff_domain = Domain(translation_directories=str(STAFF_TRANSLATIONS), domain="staff")
s_ = staff_domain.gettext
s_l = staff_domain.lazy_gettext


def accounts():
    return current_app.extensions["kiosk.accounts"]


def close_forgotten_shifts() -> None:
    """Shifts nobody signed out of end at the configured time (run before hours are used)."""
    import datetime as dt
    from zoneinfo import ZoneInfo

    settings = current_app.config["KIOSK"]
    close_at = dt.time.fromisoformat(settings.shift_close_time)
    accounts().close_forgotten_shifts(close_at, ZoneInfo(settings.timezone))
    accounts().prune_notes()  # the same daily housekeeping: notes past their retention go


def record_action(kind: str, visit: str | None, value: str | None = None) -> None:
    """Record what the signed-in helper just did to ``visit`` (kiosk.staff.actions.ACTION_KINDS)."""
    accounts().actions.record(session["staff"], current_app.config["KIOSK"].terminal_id, kind, visit, value)


def sessions():
    return current_app.extensions["kiosk.sessions"]


def sign_in(role: str, who: str) -> None:
    """A fresh cookie naming a new server-side record (never the one from before sign-in)."""
    session.clear()
    session["sid"] = sessions().open(role, who)
    session[role] = who


def sign_out() -> None:
    """End the record on the server too, so a copy of the cookie opens nothing afterwards."""
    sessions().revoke(session.get("sid"))
    session.clear()


def signed_in(role: str) -> bool:
    """The cookie names a live record for ``role`` (a helper's is renewed by this check)."""
    who = session.get(role)
    return bool(who) and sessions().check(session.get("sid"), role) == who


def staff_required(view):
    @wraps(view)
    def wrapped(*args, **kwargs):
        if not signed_in("staff"):
            return redirect(url_for("staff.login", next=request.path))
        return view(*args, **kwargs)

    return wrapped


def manager_required(view):
    @wraps(view)
    def wrapped(*args, **kwargs):
        if not signed_in("manager"):
            if request.method != "GET":
                abort(403)
            return redirect(url_for("manager.login"))
        return view(*args, **kwargs)

    return wrapped


def panel_state(snapshot: dict) -> dict:
    """What a helper sees: the resident's step and its cause, never a PIN or personal data
    (the terminal's snapshot holds none; this also drops what the panel does not need)."""
    keep = (
        "version",
        "step",
        "reason",
        "tries_left",
        "card_present",
        "reader",
        "helper_called",
        "language",
        "last_try_allowed",
        "busy",
        "visit",
        "event",
        "ended_event",
        "ended_outcome",
        "ended_reason",
        "ended_assisted",
        "ended_age_band",
    )
    return {key: snapshot[key] for key in keep}
