"""Issue 14, item 5 and 12.6: the day's close-out and the signed head a manager files on paper.

The signed line on the dashboard, the printable monthly report and the close-out (page and
command alike) is one `kiosk stats verify --head` accepts, so the paper can later prove the
chain was not rolled back."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from zoneinfo import ZoneInfo

import pytest

from tests.support.auth import MANAGER_NAME, MANAGER_PASSWORD, AuthActions
from tests.support.legacy_stats import legacy_event


@pytest.fixture
def config(tmp_path, instance):
    path = tmp_path / "kiosk.toml"
    path.write_text(f'demo = true\ninstance_path = "{instance}"\n')
    return path


@pytest.fixture
def manager(make_app):
    """A kiosk with three visits on 5 November (one assisted) and one on the 6th; a manager signed in."""
    app = make_app()
    app.config["WTF_CSRF_ENABLED"] = False
    app.extensions["kiosk.accounts"].create_manager(MANAGER_NAME, MANAGER_PASSWORD)
    rows = [legacy_event(n) for n in range(4)]
    rows[1] = (*rows[1][:13], 1, *rows[1][14:])  # assisted
    rows[3] = (*rows[3][:3], "2026-11-06T01:00:00+00:00", "2026-11-06T01:05:00+00:00", *rows[3][5:])
    app.extensions["kiosk.terminal"].stats.append(rows)
    client = app.test_client()
    AuthActions(client).manager_login()
    return client


def signed_line(page: str) -> str:
    (line,) = re.findall(r"<code data-signed-head>([^<]*)</code>", page)
    return line


def test_close_day_prints_the_days_totals_and_a_signed_head_that_verify_accepts(cli, config, manager):
    printed = cli("stats", "close-day", "--date", "2026-11-05", "--config", config)

    assert printed.exit_code == 0, printed.output
    lines = printed.output.splitlines()
    assert "sessions      3" in lines and "registered    3" in lines and "assisted      1" in lines
    head = lines[-1]
    assert head.startswith("madoguchi-head 2026-11-05 3 ")  # the 6th's visit is not in the 5th's head
    assert cli("stats", "verify", "--head", head, "--config", config).exit_code == 0

    page = manager.get("/manager/close-day?date=2026-11-05").get_data(as_text=True)
    assert 'data-total="sessions">3<' in page and 'data-total="assisted">1<' in page
    assert '<th scope="row">新規登録</th><td data-total="registered">3<' in page  # a count, not an outcome
    assert signed_line(page) == head  # the page and the command print the same line for the file


def test_the_dashboard_and_the_monthly_printout_show_a_signed_head(cli, config, manager):
    dashboard = manager.get("/manager/").get_data(as_text=True)
    assert 'action="/manager/close-day"' in dashboard  # the close-out button
    month = dt.datetime.now(ZoneInfo("Asia/Tokyo")).strftime("%Y-%m")
    printout = manager.get(f"/manager/report?month={month}").get_data(as_text=True)

    for line in (signed_line(dashboard), signed_line(printout)):
        assert line.split()[2] == "4"  # every row so far
        assert cli("stats", "verify", "--head", line, "--config", config).exit_code == 0


def test_help_recorded_after_a_visit_counts_in_the_close_out_and_the_events_csv(cli, config, manager):
    """Assisted and the age band a helper recorded after the visit (help rows, never the visit's
    own row) count in the day's close-out and the manager's events CSV, as in the monthly report."""
    from kiosk.statistics.exports import event_columns
    from kiosk.statistics.help import Help, HelpKind, HelpLedger
    from kiosk.statistics.store import MANAGER_EXPORT_COLUMNS

    stats = manager.application.extensions["kiosk.terminal"].stats
    (first, *_) = list(stats.events())
    HelpLedger(stats).record(Help(first["event_id"], HelpKind.ASSISTED, acted_by="h-1"), "kiosk-1")

    printed = cli("stats", "close-day", "--date", "2026-11-05", "--config", config)
    assert "assisted      2" in printed.output.splitlines(), printed.output
    page = manager.get("/manager/close-day?date=2026-11-05").get_data(as_text=True)
    assert 'data-total="assisted">2<' in page

    body = manager.get("/manager/export/events.csv").data.decode("utf-8-sig")
    header, *rows, _signed = csv.reader(io.StringIO(body, newline=""))
    assisted = header.index(event_columns("ja")[MANAGER_EXPORT_COLUMNS.index("assisted")])
    assert [r[assisted] for r in rows] == ["1", "1", "0", "0"]


def test_the_close_out_page_names_outcomes_and_staff_actions_in_words(manager):
    accounts = manager.application.extensions["kiosk.accounts"]
    accounts.create_staff("helper1", "246813")
    accounts.actions.record("helper1", "kiosk-1", "assisted", "visit-1")
    accounts.actions.record("helper1", "kiosk-1", "age_band", "visit-1", "75+")
    today = dt.datetime.now(ZoneInfo("Asia/Tokyo")).date().isoformat()

    page = manager.get(f"/manager/close-day?date={today}").get_data(as_text=True)
    assert '<th scope="row">支援ありにした</th><td>1</td>' in page
    assert '<th scope="row">年齢区分を記録</th><td>1</td>' in page
    outcomes = manager.get("/manager/close-day?date=2026-11-05").get_data(as_text=True)
    assert '<th scope="row">新規登録</th><td>3</td>' in outcomes and "newly_registered" not in outcomes
