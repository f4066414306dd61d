"""The manager's area: figures for the subsidy claim, exports, the printable monthly report."""

from __future__ import annotations

import datetime as dt
import io
from collections import Counter
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from kiosk.i18n.code_words import AGE_BANDS, CARDS, OPTIONS, REASONS, STAFF_ACTIONS
from kiosk.staff.accounts import LOCKOUT, MAX_FAILED_LOGINS, LockedOut
from kiosk.statistics import claim_document, claim_pdf, exports
from kiosk.statistics.checkpoint import verify_recent
from kiosk.statistics.closeout import close_day, day_bounds, signed_head_before
from kiosk.statistics.help import events_with_help, folded_events
from kiosk.statistics.month_cache import MONTHS
from kiosk.statistics.report import month_bounds, monthly_report, summary_columns, summary_rows
from kiosk.statistics.seal import signed_head
from kiosk.statistics.store import write_csv
from kiosk.web import current_terminal, store_away
from kiosk.web.signin import accounts, close_forgotten_shifts, manager_required, s_, s_l, sign_in, sign_out
from kiosk.web.staff_words import in_words, language_in_words, outcome_in_words

bp = Blueprint("manager", __name__, url_prefix="/manager")
store_away.register(bp)  # the store away (not opened yet, or gone since): a page that says so, 503


class ManagerLoginForm(FlaskForm):
    name = StringField(s_l("Manager name"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(s_l("Password"), validators=[DataRequired(), Length(max=256)])


def _labelled(counter: Counter, words: dict) -> Counter:
    """A figure's codes in the manager's words (kiosk.i18n.code_words), for the charts (the data
    keeps the codes)."""
    return Counter({in_words(words, k): v for k, v in counter.items()})


def _tz() -> ZoneInfo:
    return ZoneInfo(current_app.config["KIOSK"].timezone)


def _month() -> str:
    month = request.args.get("month", "")
    try:
        dt.datetime.strptime(month, "%Y-%m")
        return month
    except ValueError:
        return dt.datetime.now(_tz()).strftime("%Y-%m")


def _training() -> bool:
    """The dashboard's toggle: demo and rehearsal visits are counted only when asked for."""
    return request.args.get("training") == "1"


def _lang() -> str:
    return "en" if request.args.get("lang") == "en" else "ja"


def _report(month: str, with_chain: bool = False, cached: bool = False):
    """The month's report; ``cached``: figures from the dashboard's cache (new rows counted only)."""
    close_forgotten_shifts()
    settings, stats = current_app.config["KIOSK"], current_terminal().stats
    counted = MONTHS.figures(stats, month, _tz(), _training()) if cached else None
    # help noted after a visit counts
    events = () if cached else events_with_help(stats, month_bounds(month, _tz()), with_chain)
    return monthly_report(events, accounts().shifts(), month, _tz(), dt.datetime.now(dt.UTC), settings.claim,
                          _training(), counted)  # fmt: skip


def _document(month: str):
    report = _report(month, with_chain=True)
    settings = current_app.config["KIOSK"]
    venues = sorted(set(report.figures.by_venue) | set(report.hours_by_venue)) or [settings.venue]
    today = dt.datetime.now(_tz()).date()
    return claim_document.build(report, settings.organisation_name, venues, current_terminal().stats.head(), today,
                                _lang())  # fmt: skip


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = ManagerLoginForm()
    if form.validate_on_submit():
        try:
            ok = accounts().check_manager(form.name.data.strip(), form.password.data)
        except LockedOut:
            ok = False  # answered like any refusal, so a locked name cannot be told from an unknown one
        if ok:
            sign_in("manager", form.name.data.strip())
            return redirect(url_for(".dashboard"))
        flash(
            s_(
                "The name or password is not right, or sign-in is paused for %(minutes)d minutes after "
                "%(tries)d wrong tries.",
                minutes=LOCKOUT.seconds // 60,
                tries=MAX_FAILED_LOGINS,
            ),
            "error",
        )
    return render_template("staff/manager_login.html", form=form)


@bp.post("/logout")
def logout():
    sign_out()
    return redirect(url_for(".login"))


@bp.get("/")
@manager_required
def dashboard():
    month = _month()
    report = _report(month, cached=True)
    today = dt.datetime.now(_tz()).date().isoformat()
    stats = current_terminal().stats
    return render_template(
        "staff/dashboard.html",
        report=report,
        figures=report.figures,
        month=month,
        today=today,
        today_count=report.figures.by_day.get(today, 0),
        training=_training(),
        reasons=_labelled(report.figures.not_completed, REASONS),
        options=_labelled(report.figures.by_option, OPTIONS),
        cards=_labelled(report.figures.by_card, CARDS),
        languages=Counter({language_in_words(k): v for k, v in report.figures.by_language.items()}),
        age_bands=_labelled(report.figures.by_age_band, AGE_BANDS),
        head=stats.head(),
        verify=verify_recent(stats),  # rows since the last proven checkpoint, not all ten years
        # Today's head so far, signed: what the close-out prints for the paper file.
        signed_head=_signed_head(dt.date.fromisoformat(today), dt.datetime.now(dt.UTC)),
    )


def _signed_head(day: dt.date, until: dt.datetime) -> str:
    """The chain's head signed with this terminal's key (kiosk stats verify --head checks it)."""
    stop = min(until, day_bounds(day, _tz())[1])
    return signed_head_before(current_terminal().stats, current_app.config["KIOSK"].instance, day.isoformat(), stop)


@bp.get("/report")
@manager_required
def printable_report():
    month = _month()
    # The month's end, or today for the month under way.
    signed_head = _signed_head(min(_month_last_day(month), dt.datetime.now(_tz()).date()), dt.datetime.now(dt.UTC))
    return render_template("staff/report.html", doc=_document(month), month=month, training=_training(),
                           lang=_lang(), remarks_title=claim_document.word("remarks", _lang()),
                           signed_head=signed_head)  # fmt: skip


@bp.get("/report.pdf")
@manager_required
def report_pdf():
    month = _month()
    return Response(
        claim_pdf.render_pdf(_document(month)),
        mimetype="application/pdf",
        headers={"Content-Disposition": f"attachment; filename=jisseki-{month}.pdf"},
    )


def _month_last_day(month: str) -> dt.date:
    first = dt.date.fromisoformat(month + "-01")
    return (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)


@bp.get("/close-day")
@manager_required
def close_out():
    """The day's totals and signed head, to print and file (as `kiosk stats close-day`)."""
    try:
        day = dt.date.fromisoformat(request.args.get("date", ""))
    except ValueError:
        day = dt.datetime.now(_tz()).date()
    close_forgotten_shifts()
    done = close_day(current_terminal().stats, accounts().shifts(), accounts().actions.actions(),
                     current_app.config["KIOSK"].instance, day, _tz(), dt.datetime.now(dt.UTC))  # fmt: skip
    return render_template("staff/close_day.html", done=done, settings=current_app.config["KIOSK"],
                           outcomes={outcome_in_words(k): v for k, v in done.by_outcome.items()},
                           actions={in_words(STAFF_ACTIONS, k): v for k, v in done.staff_actions.items()})


def _csv_response(write, filename: str) -> Response:
    encoding = request.args.get("encoding", "utf-8")
    buffer = io.StringIO()
    write(buffer)
    return Response(
        buffer.getvalue().encode(exports.codec(encoding), errors="replace"),
        headers={"Content-Type": exports.content_type(encoding),
                 "Content-Disposition": f"attachment; filename={filename}"},
    )  # fmt: skip


@bp.get("/export/events.csv")
@manager_required
def export_events():
    stats = current_terminal().stats
    today = dt.datetime.now(_tz()).date().isoformat()
    start = stats.head_at(dt.datetime.min.replace(tzinfo=dt.UTC))  # the anchor, for an empty export

    def sign(seq: int, row_hash: str) -> str:
        return signed_head(current_app.config["KIOSK"].instance, today, seq, row_hash)

    events = folded_events(stats, with_chain=True)  # help recorded after a visit counts here too
    return _csv_response(lambda out: exports.write_events_with_head(
        events, start, sign, out, _tz(), _lang(), _training()), "events.csv")  # fmt: skip


@bp.get("/export/summary.csv")
@manager_required
def export_summary():
    month = _month()
    rows = summary_rows(_report(month), _lang())
    return _csv_response(lambda out: write_csv(rows, out, summary_columns(_lang())), f"summary-{month}.csv")
