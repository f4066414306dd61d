"""The kiosk starts and serves residents while its PostgreSQL server cannot be reached; the
visits wait in the outbox, and the helper's panel and /healthz say how many and since when."""

from __future__ import annotations

import re
import stat
from pathlib import Path

import pytest

from tests.support.auth import STAFF_CODE, STAFF_PIN
from tests.support.kiosk_process import free_port
from tests.support.waiting import wait_until


@pytest.fixture
def app(make_app):
    # Nothing listens on this port: the server is down (connection refused at once).
    app = make_app(stats_database_url=f"postgresql+psycopg://kiosk@127.0.0.1:{free_port()}/kiosk")
    app.config["WTF_CSRF_ENABLED"] = False
    app.extensions["kiosk.accounts"].create_staff(STAFF_CODE, STAFF_PIN)
    return app


def test_residents_are_served_and_the_panel_shows_the_waiting_visits(app, client, demo, terminal, auth):
    for _ in range(2):
        demo.insert("hanako")
        wait_until(lambda: terminal.snapshot()["step"] == "consent")
        client.post("/action", data={"action": "decline"})
        assert terminal.snapshot()["reason"] == "declined"  # on disk before the screen said so
        demo.remove()
        wait_until(lambda: not terminal.snapshot()["card_present"])
    health = client.get("/healthz")  # from the kiosk itself: the details
    assert health.status_code == 503
    assert health.json["database"]["writable"] is False and health.json["outbox"]["depth"] == 2
    assert health.json["outbox"]["oldest_seconds"] >= 0
    outbox = Path(app.config["KIOSK"].instance_path) / "stats-outbox.jsonl"
    assert stat.S_IMODE(outbox.stat().st_mode) == 0o600  # the visits on disk: this user's alone
    auth.staff_login()
    panel = client.get("/staff/").get_data(as_text=True)
    assert re.search(r'data-outbox="2">2件の記録が端末内で送信待ち（最も古いもの0分）', panel), panel
