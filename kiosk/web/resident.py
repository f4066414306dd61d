"""The resident screens: one page that shows the terminal's current step."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError, validate_csrf
from wtforms import ValidationError

from kiosk import csrf
from kiosk.i18n import voice
from kiosk.i18n.furigana import annotate_html
from kiosk.i18n.languages import LANGUAGES
from kiosk.i18n.messages import MESSAGES
from kiosk.slip import build_slip
from kiosk.visit.flow import InvalidTransition, Reason
from kiosk.web import current_terminal
from kiosk.web.pin_form import PinFormError, read_pin_form

bp = Blueprint("resident", __name__)

ACTIONS = {"agree", "decline", "read_age", "skip_age", "cancel", "acknowledge", "call_helper", "timeout"}
DISPLAY_OPTIONS = (("large", _l("Larger text")), ("contrast", _l("High contrast")), ("furigana", _l("Furigana")))
LONG_POLL_SECONDS = 20


def _back():
    return redirect(url_for(".screen"))


def _slip_screen(state) -> tuple:
    """Which result a slip belongs to: its status never shows on another resident's screen."""
    return (state["step"], state["reason"], state["language"])


@bp.get("/")
def screen():
    state = current_terminal().snapshot()
    reason = MESSAGES[Reason(state["reason"])] if state["reason"] else None
    settings = current_app.config["KIOSK"]
    key = voice.screen_key(state)
    src = voice.audio_url(state["language"], key)
    entered = voice.audio_url(state["language"], voice.ENTERED_KEY) if state["step"] == "pin" else None
    dialog_voices = {k: voice.audio_url(state["language"], k) for k in voice.DIALOG_KEYS}
    options = DISPLAY_OPTIONS if state["language"] in ("ja", "ja-easy") else DISPLAY_OPTIONS[:2]
    printer = current_app.extensions["kiosk.slip"]
    if state["step"] not in ("done", "error"):
        printer.forget()
    return render_template(
        "resident.html",
        state=state,
        message=reason,
        settings=settings,
        voice_key=key,
        voice_src=url_for("static", filename=src) if src else None,
        entered_src=url_for("static", filename=entered) if entered else None,
        dialog_voices={k: url_for("static", filename=v) for k, v in dialog_voices.items() if v},
        display_options=options,
        idle_timeout=settings.idle_timeout_seconds,
        idle_warning=settings.idle_warning_seconds,
        slip_enabled=printer.enabled and state["step"] in ("done", "error"),
        slip_status=printer.status(_slip_screen(state)).value,
    )


@bp.after_request
def furigana(response):
    """Ruby on the kanji when this resident turned furigana on (Japanese screens only)."""
    flow = current_terminal().flow
    if (
        response.mimetype == "text/html"
        and "furigana" in flow.options
        and flow.language in ("ja", "ja-easy")
        and not response.direct_passthrough
    ):
        response.set_data(annotate_html(response.get_data(as_text=True)))
    return response


@bp.get("/state")
def state():
    """Long poll: answers when the step changes (or after 20 s) so the page follows the card."""
    since = request.args.get("since", type=int)
    terminal = current_terminal()
    if since is None:
        return jsonify(terminal.snapshot())
    return jsonify(terminal.wait_for_change(since, LONG_POLL_SECONDS))


@bp.post("/action")
def action():
    name = request.form.get("action", "")
    if name not in ACTIONS:
        abort(400)
    try:
        current_terminal().act(name)
    except InvalidTransition:
        pass  # a stale page or a double tap: the page reloads to the real step
    return _back()


@bp.post("/language")
def choose_language():
    code = request.form.get("language", "")
    if code not in LANGUAGES:
        abort(400)
    current_terminal().choose_language(code)
    return _back()


@bp.post("/display")
def display():
    option = request.form.get("option", "")
    if option not in dict(DISPLAY_OPTIONS):
        abort(400)
    current_terminal().toggle_option(option)
    return _back()


@bp.post("/used")
def used():
    """The page reports a replay of the voice guidance (for the statistics); no screen change."""
    if request.form.get("option") != "voice_replay":
        abort(400)
    current_terminal().note_option_used("voice_replay")
    return "", 204


@bp.post("/pin")
@csrf.exempt  # its token is checked below: the automatic check would parse the PIN into str
def pin():
    try:
        form = read_pin_form(request.stream, request.content_length)
    except PinFormError:
        abort(400)
    if current_app.config.get("WTF_CSRF_ENABLED", True):
        try:
            validate_csrf(form.csrf_token)
        except ValidationError as exc:
            form.wipe()
            raise CSRFError(exc.args[0]) from None
    if form.pin is None:
        flash(_("Please enter 4 digits."), "pin")
        return _back()
    try:
        current_terminal().submit_pin(form.pin)  # the card layer wipes it (also when refused)
    except InvalidTransition:
        pass
    return _back()


@bp.post("/slip")
def slip():
    """'Print a slip' on a done or error screen: the job runs on the printer's own thread."""
    printer = current_app.extensions["kiosk.slip"]
    state = current_terminal().snapshot()
    if not printer.enabled or state["step"] not in ("done", "error") or not state["reason"]:
        return _back()  # a stale page: the screen it was on has gone
    settings = current_app.config["KIOSK"]
    today = datetime.now(ZoneInfo(settings.timezone)).date()
    printer.submit(build_slip(Reason(state["reason"]), state["language"], settings, today), _slip_screen(state))
    return _back()
