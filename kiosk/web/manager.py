"""The manager's area: figures for the subsidy claim, exports, the printable monthly report."""

from __future__ import annotations

import datetime as dt
import io
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from kiosk.staff.accounts import LOCKOUT, MAX_FAILED_LOGINS, LockedOut
from kiosk.statistics.help import events_with_help
from kiosk.statistics.report import SUMMARY_COLUMNS, month_bounds, monthly_report, summary_rows
from kiosk.statistics.store import CSV_ENCODINGS, MANAGER_EXPORT_COLUMNS, anonymised_events, write_csv
from kiosk.web import current_terminal
from kiosk.web.signin import accounts, close_forgotten_shifts, manager_required, s_, s_l, sign_in, sign_out

bp = Blueprint("manager", __name__, url_prefix="/manager")


class ManagerLoginForm(FlaskForm):
    name = StringField(s_l("Manager name"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(s_l("Password"), validators=[DataRequired(), Length(max=256)])


def _tz() -> ZoneInfo:
    return ZoneInfo(current_app.config["KIOSK"].timezone)


def _month() -> str:
    month = request.args.get("month", "")
    try:
        dt.datetime.strptime(month, "%Y-%m")
        return month
    except ValueError:
        return dt.datetime.now(_tz()).strftime("%Y-%m")


def _report(month: str):
    close_forgotten_shifts()
    stats = current_terminal().stats
    events = events_with_help(stats, month_bounds(month, _tz()))  # help noted after a visit counts
    return monthly_report(events, accounts().shifts(), month, _tz(), dt.datetime.now(dt.UTC))


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
    report = _report(month)
    today = dt.datetime.now(_tz()).date().isoformat()
    stats = current_terminal().stats
    return render_template(
        "staff/dashboard.html",
        report=report,
        month=month,
        today=today,
        today_count=report.by_day.get(today, 0),
        head=stats.head(),
        verify=stats.verify(),
    )


@bp.get("/report")
@manager_required
def printable_report():
    month = _month()
    return render_template(
        "staff/report.html",
        report=_report(month),
        month=month,
        head=current_terminal().stats.head(),
        settings=current_app.config["KIOSK"],
    )


def _csv_response(write, filename: str) -> Response:
    encoding = CSV_ENCODINGS.get(request.args.get("encoding", "utf-8"), "utf-8-sig")
    buffer = io.StringIO()
    write(buffer)
    data = buffer.getvalue().encode(encoding, errors="replace")
    return Response(
        data,
        mimetype=f"text/csv; charset={'shift_jis' if encoding == 'cp932' else 'utf-8'}",
        headers={"Content-Disposition": f"attachment; filename={filename}"},
    )


@bp.get("/export/events.csv")
@manager_required
def export_events():
    stats = current_terminal().stats
    rows = anonymised_events(stats.events(with_chain=True))
    return _csv_response(lambda out: write_csv(rows, out, MANAGER_EXPORT_COLUMNS), "events.csv")


@bp.get("/export/summary.csv")
@manager_required
def export_summary():
    month = _month()
    rows = summary_rows(_report(month))
    return _csv_response(lambda out: write_csv(rows, out, SUMMARY_COLUMNS), f"summary-{month}.csv")
