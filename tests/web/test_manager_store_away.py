"""The manager's pages while the statistics store is away (the PostgreSQL server down at start,
or gone later): a page that says so, how many visits wait on the kiosk's disk and what to do,
with 503 and one log line, instead of an internal error."""

from __future__ import annotations

import logging
import re

import pytest
import sqlalchemy as sa

from tests.support.auth import MANAGER_NAME, MANAGER_PASSWORD, AuthActions
from tests.support.kiosk_process import free_port
from tests.support.waiting import wait_until

PAGES = ["/manager/", "/manager/report", "/manager/report.pdf", "/manager/close-day",
         "/manager/export/events.csv", "/manager/export/summary.csv"]  # fmt: skip


@pytest.fixture
def app(make_app):
    # Nothing listens on this port: the server is down (connection refused at once).
    app = make_app(stats_database_url=f"postgresql+psycopg://kiosk@127.0.0.1:{free_port()}/kiosk")
    app.config["WTF_CSRF_ENABLED"] = False
    app.extensions["kiosk.accounts"].create_manager(MANAGER_NAME, MANAGER_PASSWORD)
    return app


def test_every_manager_page_says_the_store_is_away_and_how_many_visits_wait(
    client, demo, terminal, auth, caplog
):  # fmt: skip
    demo.insert("hanako")
    wait_until(lambda: terminal.snapshot()["step"] == "consent")
    client.post("/action", data={"action": "decline"})
    assert auth.manager_login().status_code == 302
    for page in PAGES:
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="kiosk.web"):
            answer = client.get(page)
        text = answer.get_data(as_text=True)
        assert answer.status_code == 503, page
        assert "text/html" in answer.content_type, page
        assert "統計データベースに接続できません" in text, page
        assert re.search(r'data-outbox="1">1件の記録が端末内で送信待ち（最も古いもの0分）', text), text
        assert "利用者の受付はそのまま続けられます" in text, page
        assert [r for r in caplog.records if "not reachable" in r.getMessage() and page in r.getMessage()], page


def test_a_store_lost_after_it_opened_gives_the_same_page(make_app, monkeypatch):
    app = make_app()  # a store that opened (SQLite), then its server goes away
    app.config["WTF_CSRF_ENABLED"] = False
    app.extensions["kiosk.accounts"].create_manager(MANAGER_NAME, MANAGER_PASSWORD)

    def gone(*args, **kwargs):
        raise sa.exc.OperationalError("SELECT", {}, Exception("server closed the connection unexpectedly"))

    monkeypatch.setattr(app.extensions["kiosk.terminal"].stats.opened, "events", gone)
    client = app.test_client()
    AuthActions(client).manager_login()
    answer = client.get("/manager/export/events.csv?lang=en")
    assert answer.status_code == 503
    assert "The statistics database cannot be reached" in answer.get_data(as_text=True)
