"""The helper's panel: sign in for a shift, follow the resident screen, act without the PIN."""

from __future__ import annotations

import time

from flask import Blueprint, current_app, flash, jsonify, redirect, render_template, request, session, url_for
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Regexp

from kiosk.staff.accounts import AccountError
from kiosk.visit.flow import InvalidTransition
from kiosk.web import current_terminal
from kiosk.web.health import health_report
from kiosk.web.long_poll import RETRY_AFTER_SECONDS, LongPollGate
from kiosk.web.signin import accounts, close_forgotten_shifts, panel_state, s_, s_l, sign_in, sign_out, staff_required
from kiosk.web.throttle import Throttle

bp = Blueprint("staff", __name__, url_prefix="/staff")
AGE_BANDS = ("under_65", "65-74", "75+")
STAFF_LAG_SECONDS = 0.3


class StaffLoginForm(FlaskForm):
    code = StringField(s_l("Staff code"), validators=[DataRequired(), Length(max=32)])
    pin = PasswordField(s_l("Your staff PIN"), validators=[DataRequired(), Regexp(r"^\d{4,8}$")])


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
            ok = False  # answered like a wrong PIN: the pause says nothing about the code
        else:
            ok = accounts().check_staff(code, form.pin.data)
            (_throttle().succeeded if ok else _throttle().failed)(*keys)
        if ok:
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


@bp.get("/")
@staff_required
def panel():
    state = panel_state(current_terminal().staff_snapshot())
    return render_template(
        "staff/panel.html", state=state, note_form=NoteForm(), age_form=AgeBandForm(), health=health_report(),
        age_from_staff=current_app.config["KIOSK"].age_source == "staff",
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
    handlers = {
        "cancel": terminal.staff_cancel,
        "allow_last_try": lambda: terminal.allow_last_try(request.form.get("visit", "")),
        "assisted": lambda: terminal.set_assisted(True),
        "self_service": lambda: terminal.set_assisted(False),
    }
    handler = handlers.get(request.form.get("action", ""))
    if handler is None:
        flash(s_("Unknown action."), "error")
        return redirect(url_for(".panel"))
    try:
        handler()
    except InvalidTransition:
        flash(s_("That is not possible at this step any more."), "error")
    return redirect(url_for(".panel"))


@bp.post("/age-band")
@staff_required
def age_band():
    form = AgeBandForm()
    if form.validate_on_submit():
        try:
            current_terminal().set_age_band(form.band.data)
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
