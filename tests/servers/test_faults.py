"""Faults a counter meets in a year: a full disk, a read-only store, the process killed
mid-write, the browser reloaded or opened twice. Nothing finished may be lost."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from kiosk.statistics.store import StatsStore
from tests.support.waiting import wait_recorded, wait_until


class SmallDisk:
    """A 1 MB tmpfs (a real full disk) when this machine lets root mount; otherwise the same
    SQLite errors (SQLITE_FULL, SQLITE_READONLY) forced through the store's connections."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.mkdir()
        self.mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(path)],
                                      capture_output=True).returncode == 0  # fmt: skip
        self.flags = {"full": False, "readonly": False}

    def attach(self, store: StatsStore) -> None:
        if self.mounted:
            return

        def on_connect(dbapi, _record):
            cur = dbapi.cursor()
            if self.flags["full"]:
                pages = cur.execute("PRAGMA page_count").fetchone()[0]
                cur.execute(f"PRAGMA max_page_count = {pages}")
            cur.execute(f"PRAGMA query_only = {'ON' if self.flags['readonly'] else 'OFF'}")
            cur.close()

        sa.event.listen(store.engine, "connect", on_connect)

    def fill(self) -> None:
        if self.mounted:
            subprocess.run(["dd", "if=/dev/zero", f"of={self.path / 'filler'}", "bs=4k"], capture_output=True)
        self.flags["full"] = True

    def free(self) -> None:
        (self.path / "filler").unlink(missing_ok=True)
        self.flags["full"] = False

    def readonly(self, on: bool) -> None:
        if self.mounted:
            subprocess.run(["mount", "-o", f"remount,{'ro' if on else 'rw'}", str(self.path)], check=True)
        self.flags["readonly"] = on

    def close(self) -> None:
        if self.mounted:
            subprocess.run(["umount", "-l", str(self.path)], capture_output=True)


@pytest.fixture
def small_disk(tmp_path):
    disk = SmallDisk(tmp_path / "disk")
    yield disk
    disk.close()


@pytest.fixture
def kiosk_on_small_disk(instance, small_disk):
    from kiosk import create_app

    url = f"sqlite:///{small_disk.path / 'stats.sqlite3'}"
    app = create_app({"demo": True, "instance_path": str(instance), "secret_key": "t", "stats_database_url": url,
                      "error_return_seconds": 1})  # fmt: skip
    app.config.update(TESTING=True, WTF_CSRF_ENABLED=False)
    terminal = app.extensions["kiosk.terminal"]
    terminal.recorder.retry_seconds = 0.2
    small_disk.attach(terminal.stats)
    terminal.start()
    yield app
    terminal.stop()


def decline_session(app) -> None:
    terminal, demo, web = app.extensions["kiosk.terminal"], app.extensions["kiosk.demo"], app.test_client()
    demo.insert("hanako")
    wait_until(lambda: terminal.snapshot()["step"] == "consent")
    web.post("/action", data={"action": "decline"})
    assert terminal.snapshot()["reason"] == "declined"  # the resident's screen works as usual
    demo.remove()
    wait_until(lambda: terminal.snapshot()["step"] == "idle")


@pytest.mark.parametrize("fault", ["full", "readonly"])
def test_store_refusing_writes_keeps_the_session_and_writes_it_later(kiosk_on_small_disk, small_disk, fault):
    app = kiosk_on_small_disk
    terminal, web = app.extensions["kiosk.terminal"], app.test_client()
    decline_session(app)  # one event written normally
    wait_recorded(terminal)
    small_disk.fill() if fault == "full" else small_disk.readonly(True)
    decline_session(app)
    assert terminal.pending_events == 1
    health = web.get("/healthz")
    assert health.status_code == 503 and health.get_json()["database"]["pending_events"] == 1
    assert health.get_json()["database"]["writable"] is False
    small_disk.free() if fault == "full" else small_disk.readonly(False)
    wait_until(lambda: terminal.pending_events == 0, what="the kept event written")
    assert len(list(terminal.stats.events())) == 2 and terminal.stats.verify().ok
    assert web.get("/healthz").get_json()["database"]["writable"] is True


WRITER = textwrap.dedent(
    """
    import sys, uuid
    from kiosk.statistics.store import COLUMNS, StatsStore
    store = StatsStore(sys.argv[1])
    n = 0
    while True:
        n += 1
        row = {c: None for c in COLUMNS}
        row.update(event_id=str(uuid.uuid4()), terminal_id="k", venue="v", started_at="2026-11-23T01:00:00+00:00",
                   ended_at="2026-11-23T01:02:00+00:00", duration_seconds=120.0, outcome="registered",
                   pin_attempts=1, language="ja", assisted=0, options="", holder_key="h")
        store.append([tuple(row[c] for c in COLUMNS)])
        print(n, flush=True)
    """
)


def test_killed_mid_write_the_store_is_consistent_and_nothing_committed_is_lost(tmp_path):
    db = tmp_path / "stats.sqlite3"
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(db)], stdout=subprocess.PIPE, text=True)
    committed = 0
    deadline = time.monotonic() + 30
    while committed < 50 and time.monotonic() < deadline:
        committed = int(proc.stdout.readline())
    os.kill(proc.pid, signal.SIGKILL)  # somewhere inside the next write
    proc.wait(timeout=10)
    report = StatsStore(db).verify()
    assert report.ok, report.problem
    assert report.rows >= committed  # every write it reported done is there
    restarted = StatsStore(db)  # the next day's process carries on the same chain
    last = list(restarted.events())[-1]
    last["event_id"] = "after-restart"
    restarted.append([tuple(last.values())])
    assert restarted.verify().ok and restarted.verify().rows == report.rows + 1
