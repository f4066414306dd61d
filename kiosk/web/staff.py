"""The helper's panel: sign in for a shift, follow the resident screen, act without the PIN."""

from __future__ import annotations

import logging
import sqlite3
import time

from flask import Blueprint, current_app, flash, jsonify, redirect, render_template, request, session, url_for
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Regexp

from kiosk.staff.accounts import MAX_STAFF_PIN, AccountError, StaffCheck
from kiosk.statistics.claim import recorded_by_helpers
from kiosk.statistics.help import HelpError, HelpKind
from kiosk.visit.flow import InvalidTransition
from kiosk.web import current_terminal
from kiosk.web.health import health_report
from kiosk.web.long_poll import RETRY_AFTER_SECONDS, LongPollGate
from kiosk.web.signin import (
    accounts,
    close_forgotten_shifts,
    panel_state,
    record_action,
    s_,
    s_l,
    sign_in,
    sign_out,
    staff_required,
)
from kiosk.web.staff_words import (
    AGE_BAND_WORDS,
    LANGUAGE_WORDS,
    OUTCOME_WORDS,
    READER_WORDS,
    REASON_WORDS,
    STEP_WORDS,
    word,
)
from kiosk.web.staff_words import table as word_table
from kiosk.web.throttle import Throttle

bp = Blueprint("staff", __name__, url_prefix="/staff")
AGE_BANDS = ("under_65", "65-74", "75+")
STAFF_LAG_SECONDS = 0.3


class StaffLoginForm(FlaskForm):
    code = StringField(s_l("Staff code"), validators=[DataRequired(), Length(max=32)])
    # Four and five digits still reach the check: their owner is told to have the PIN reset.
    pin = PasswordField(s_l("Your staff PIN"), validators=[DataRequired(), Regexp(rf"^\d{{4,{MAX_STAFF_PIN}}}$")])


NOTE_REASON_WORDS = {
    "forgot_pin": s_l("The resident did not remember the PIN"),
    "no_card": s_l("The resident came without the card"),
    "reader_trouble": s_l("The card reader had trouble"),
    "insurance_question": s_l("A question about the health insurance"),
    "needed_help_reading": s_l("Helped to read the screen"),
    "other": s_l("Other help at the kiosk"),
}


class NoteForm(FlaskForm):
    # A fixed list, never free text: nothing a helper types can carry a PIN, a name or an address.
    reason = SelectField(s_l("Note"), choices=[SelectChoice(code, words) for code, words in NOTE_REASON_WORDS.items()])


class AgeBandForm(FlaskForm):
    band = SelectField(s_l("Age band"), choices=list(AGE_BANDS))


def _throttle() -> Throttle:
    return current_app.extensions["kiosk.signin_throttle"]


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = StaffLoginForm()
    if form.validate_on_submit():
        code = form.code.data.strip()
        keys = (f"staff:{code}", f"client:{request.remote_addr}")
        if _throttle().paused(*keys):
            check = StaffCheck.REFUSED  # answered like a wrong PIN: the pause says nothing about the code
        else:
            check = accounts().check_staff(code, form.pin.data)
            (_throttle().failed if check is StaffCheck.REFUSED else _throttle().succeeded)(*keys)
        if check is StaffCheck.PIN_TOO_SHORT:
            # Only someone who typed this account's right PIN gets here.
            flash(s_("Your PIN is too short to sign in now. Ask a manager to set a new PIN of "
                     "at least 6 digits (kiosk staff reset-pin)."), "error")  # fmt: skip
            return render_template("staff/login.html", form=form)
        if check:
            close_forgotten_shifts()  # yesterday's shift left open ends at its closing time
            sign_in("staff", code)
            settings = current_app.config["KIOSK"]
            accounts().start_shift(code, settings.venue, settings.terminal_id)
            return redirect(url_for(".panel"))
        flash(s_("The staff code or PIN is not right, or sign-in is paused after several wrong tries."), "error")
    return render_template("staff/login.html", form=form)


@bp.post("/logout")
@staff_required
def logout():
    accounts().end_shift(session["staff"])
    sign_out()
    flash(s_("Signed out. Your shift has ended."), "info")
    return redirect(url_for(".login"))


def help_desk():
    return current_app.extensions["kiosk.help"]


def _my_shift_start():
    """When the signed-in helper's open shift at this kiosk began (None: no open shift here)."""
    try:
        on_duty = accounts().on_duty(current_app.config["KIOSK"].terminal_id)
    except sqlite3.OperationalError as exc:
        # The instance folder refuses writes (SQLite cannot open its WAL there): the panel must
        # still show the helper that visits are not on disk, without the shift's list.
        logging.getLogger(__name__).warning("staff accounts not readable (%s): the panel shows no shift list", exc)
        return None
    mine = [start for code, start in on_duty if code == session["staff"]]
    return mine[0] if mine else None


def panel_words() -> dict:
    """What the panel template needs to say states in words (and its script, as JSON)."""
    settings = current_app.config["KIOSK"]
    return {"words": word_table(), "word": word, "STEP_WORDS": STEP_WORDS, "REASON_WORDS": REASON_WORDS,
            "READER_WORDS": READER_WORDS, "OUTCOME_WORDS": OUTCOME_WORDS, "AGE_BAND_WORDS": AGE_BAND_WORDS,
            "LANGUAGE_WORDS": LANGUAGE_WORDS,
            "categories": recorded_by_helpers(settings.claim), "settings": settings}  # fmt: skip


@bp.get("/")
@staff_required
def panel():
    state = panel_state(current_terminal().staff_snapshot())
    return render_template(
        "staff/panel.html", state=state, note_form=NoteForm(), age_form=AgeBandForm(), health=health_report(),
        # With "card", the helper notes it for a resident who said no to reading the card.
        age_from_staff=current_app.config["KIOSK"].age_source in ("staff", "card"),
        recent=help_desk().recent(_my_shift_start()), **panel_words(),
    )  # fmt: skip


def _long_polls() -> LongPollGate:
    return current_app.extensions["kiosk.long_polls"]


@bp.get("/state")
@staff_required
def state():
    since = request.args.get("since", type=int)
    terminal = current_terminal()
    if since is None:
        return jsonify(panel_state(terminal.staff_snapshot()))
    with _long_polls().waiting() as may_wait:
        if not may_wait:  # every waiting slot is taken: answer now, the page asks again later
            response = jsonify(panel_state(terminal.staff_snapshot()))
            response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
            return response
        terminal.wait_for_change(since, 20)
        # The resident's screen goes first: helper panels answer a moment later, so twenty
        # tablets waking at once never compete with the resident's own page load.
        time.sleep(STAFF_LAG_SECONDS)
    return jsonify(panel_state(terminal.staff_snapshot()))


@bp.post("/action")
@staff_required
def action():
    terminal = current_terminal()
    # the visit the panel showed: an action naming another one is refused (never recorded),
    # and the record names the visit the terminal really acted on, not the form's word for it
    shown = request.form.get("visit") or None
    by = help_desk().pseudonym(session["staff"])  # the visit's row names the helper so, never by code
    handlers = {
        "cancel": lambda: terminal.staff_cancel(shown, by),
        "allow_last_try": lambda: terminal.allow_last_try(request.form.get("visit", ""), by),
        "assisted": lambda: terminal.set_assisted(True, shown, by),
        "self_service": lambda: terminal.set_assisted(False, shown, by),
        "restart": lambda: terminal.restart(shown, by),
    }
    kind = request.form.get("action", "")
    handler = handlers.get(kind)
    if handler is None:
        flash(s_("Unknown action."), "error")
        return redirect(url_for(".panel"))
    try:
        visit = handler()
    except InvalidTransition:
        flash(s_("That is not possible at this step any more."), "error")
    else:
        record_action(kind, visit)
    return redirect(url_for(".panel"))


@bp.post("/age-band")
@staff_required
def age_band():
    form = AgeBandForm()
    if form.validate_on_submit():
        visit = current_terminal().staff_snapshot()["visit"]
        try:
            current_terminal().set_age_band(form.band.data, help_desk().pseudonym(session["staff"]))
            record_action("age_band", visit, form.band.data)
            flash(s_("Age band recorded."), "info")
        except InvalidTransition:
            flash(s_("No resident session is open now."), "error")
    return redirect(url_for(".panel"))


@bp.post("/note")
@staff_required
def note():
    form = NoteForm()
    if form.validate_on_submit():
        try:
            accounts().add_note(session["staff"], form.reason.data)
            flash(s_("Note saved."), "info")
        except AccountError:
            flash(s_("Not saved: choose a reason from the list."), "error")
    else:
        flash(s_("Not saved: choose a reason from the list."), "error")
    return redirect(url_for(".panel"))


@bp.post("/help")
@staff_required
def record_help():
    """Assisted, self-service, a help category or the age band, on the open visit, the one that
    just ended, or one of this shift's recent visits."""
    try:
        kind = HelpKind(request.form.get("kind", ""))
    except ValueError:
        kind = None
    if kind is None:
        flash(s_("Unknown action."), "error")
        return redirect(url_for(".panel"))
    on_duty = [code for code, _ in accounts().on_duty(current_app.config["KIOSK"].terminal_id)]
    try:
        event, value = request.form.get("event", ""), request.form.get("value", "")
        help_desk().record(event, kind, value, session["staff"], on_duty, _my_shift_start())
        record_action(kind.value, event, value or None)  # who did it, in the staff actions chain
        flash(s_("Help recorded."), "info")
    except HelpError:
        flash(s_("Not recorded: that visit or choice is not available here."), "error")
    return redirect(url_for(".panel"))
