"""Issue 12, item 5: no file the kiosk writes is readable by another local user.

The instance folder holds the staff PIN hashes, the statistics, the simulated service's data and
the per-installation keys: folder 0700 and every file 0600 from the moment it exists, whatever
umask the kiosk was started with."""

from __future__ import annotations

import os
import stat

import pytest

from kiosk import create_app
from tests.support.waiting import wait_until


@pytest.fixture
def loose_umask():
    """The distribution default (0022), under which files come out 0644 unless the kiosk cares."""
    old = os.umask(0o022)
    yield
    os.umask(old)


def test_a_demo_visit_leaves_nothing_readable_by_other_users(tmp_path, loose_umask):
    instance = tmp_path / "var" / "instance"  # made by the kiosk itself
    app = create_app({"demo": True, "instance_path": str(instance), "error_return_seconds": 2})
    app.config.update(TESTING=True, WTF_CSRF_ENABLED=False)
    terminal, demo = app.extensions["kiosk.terminal"], app.extensions["kiosk.demo"]
    terminal.start()
    try:
        client = app.test_client()
        demo.insert("hanako")
        wait_until(lambda: terminal.snapshot()["step"] == "consent" and not terminal.snapshot()["busy"])
        client.post("/action", data={"action": "agree"})
        wait_until(lambda: terminal.snapshot()["step"] == "pin" and not terminal.snapshot()["busy"])
        client.post("/pin", data={"pin": "1234"})
        wait_until(lambda: terminal.snapshot()["step"] in ("done", "error") and not terminal.snapshot()["busy"])
        demo.remove()
        wait_until(lambda: terminal.pending_events == 0, what="the visit stored")
    finally:
        terminal.stop()

    names = {p.name for p in instance.rglob("*")}
    assert {"stats.sqlite3", "accounts.sqlite3", "gateway.sqlite3", "secret.key", "installation.key",
            "stats.last-head", "stats-outbox.reserve"} <= names  # fmt: skip
    assert stat.S_IMODE(instance.stat().st_mode) == 0o700
    loose = {
        str(p.relative_to(instance)): oct(stat.S_IMODE(p.stat().st_mode))
        for p in [instance, *instance.rglob("*")]
        if stat.S_IMODE(p.stat().st_mode) & 0o077
    }
    assert loose == {}


def test_the_installed_service_starts_private():
    """The systemd unit gives the service a 0700 state folder and a 0077 umask."""
    import configparser
    from pathlib import Path

    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str
    unit.read(Path(__file__).parents[2] / "deploy" / "madoguchi-kiosk.service")
    service = unit["Service"]
    assert service.get("UMask") == "0077"
    assert service.get("StateDirectory") == "madoguchi"
    assert service.get("StateDirectoryMode") == "0700"
