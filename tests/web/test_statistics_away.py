"""The kiosk starts and serves residents while its PostgreSQL server cannot be reached; the
visits wait in the outbox, and the helper's panel and /healthz say how many and since when."""

from __future__ import annotations

import re
import stat
import subprocess
from pathlib import Path

import pytest

from tests.support.auth import STAFF_CODE, STAFF_PIN, AuthActions
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


def test_the_panel_says_plainly_when_visits_are_not_on_disk(make_app, tmp_path, pki_dir):
    folder = tmp_path / "tmpfs-instance"
    folder.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(folder)], check=True)
    try:
        (folder / "virtualcard").symlink_to(pki_dir, target_is_directory=True)
        app = make_app(instance_path=str(folder),
                       stats_database_url=f"postgresql+psycopg://kiosk@127.0.0.1:{free_port()}/kiosk")  # fmt: skip
        app.config["WTF_CSRF_ENABLED"] = False
        app.extensions["kiosk.accounts"].create_staff(STAFF_CODE, STAFF_PIN)
        terminal, demo, client = app.extensions["kiosk.terminal"], app.extensions["kiosk.demo"], app.test_client()
        AuthActions(client).staff_login()
        subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True)
        demo.insert("hanako")
        wait_until(lambda: terminal.snapshot()["step"] == "consent")
        demo.remove()
        wait_until(lambda: terminal.snapshot()["step"] != "consent")
        panel = client.get("/staff/").get_data(as_text=True)
        assert 'data-in-memory="1">1件の記録が端末のディスクに保存されていません' in panel, panel
        assert "端末を再起動したり電源を切ったりしないでください" in panel and "data-outbox=" not in panel
    finally:
        subprocess.run(["mount", "-o", "remount,rw", str(folder)], capture_output=True)
        if "terminal" in locals():
            terminal.stop()
        subprocess.run(["umount", "-l", str(folder)], capture_output=True)
