"""Issue 13: no finished visit is lost when the statistics store is away and the kiosk restarts.

The kiosk runs as a real process (`kiosk demo`), killed with SIGKILL as a power cut would; the
store is a real SQLite file on a folder made read-only, or a real PostgreSQL server shut down
or paused outright. Every visit whose screen went back to the start ends up in the store
exactly once, and the chain verifies.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest

from kiosk.statistics.opener import StoreReplacedError
from kiosk.statistics.outbox import RESERVE_FILE, Outbox
from kiosk.statistics.recorder import deliver
from kiosk.statistics.store import COLUMNS, StatsStore
from tests.support.kiosk_process import KioskProcess
from tests.support.pg_harness import PostgresServer
from tests.support.waiting import wait_recorded, wait_until


class Fault:
    """The store going away and coming back."""

    def __init__(self, kind: str, tmp_path: Path, postgres: PostgresServer | None) -> None:
        self.kind, self.postgres = kind, postgres
        if kind == "sqlite-readonly":
            self.folder = tmp_path / "stats-disk"
            self.folder.mkdir()
            subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(self.folder)], check=True)
            self.url = f"sqlite:///{self.folder / 'stats.sqlite3'}"
        else:
            self.url = postgres.new_database()
        self.broken = False

    def go_away(self) -> None:
        self.broken = True
        if self.kind == "sqlite-readonly":
            subprocess.run(["mount", "-o", "remount,ro", str(self.folder)], check=True)
        elif self.kind == "postgres-down":
            self.postgres.halt()
        else:
            self.postgres.pause()

    def come_back(self) -> None:
        self.broken = False
        if self.kind == "sqlite-readonly":
            subprocess.run(["mount", "-o", "remount,rw", str(self.folder)], check=True)
        elif self.kind == "postgres-down":
            self.postgres.start_again()
        else:
            self.postgres.resume()

    def close(self) -> None:
        if self.broken:
            self.come_back()
        if self.kind == "sqlite-readonly":
            subprocess.run(["umount", "-l", str(self.folder)], capture_output=True)


def write_config(tmp_path: Path, instance: Path, url: str) -> Path:
    config = tmp_path / "kiosk.toml"
    config.write_text(
        f'demo = true\ninstance_path = "{instance}"\nsecret_key = "t"\nstats_database_url = "{url}"\n'
        "stats_retry_seconds = 1\nerror_return_seconds = 1\n"
    )
    return config


@pytest.fixture
def kiosk_and_fault(request, tmp_path, instance):
    kind = request.param
    fault = Fault(kind, tmp_path, request.getfixturevalue("postgres") if "postgres" in kind else None)
    kiosk = KioskProcess(write_config(tmp_path, instance, fault.url), tmp_path / "kiosk.log")
    yield kiosk, fault
    kiosk.stop()
    fault.close()


def stored_once(url: str, cli, config: Path, expected: int) -> None:
    ids = [e["event_id"] for e in StatsStore(url).events()]
    assert len(ids) == expected and len(set(ids)) == expected, ids
    verified = cli("stats", "verify", "--config", config)
    assert verified.exit_code == 0, verified.output


@pytest.mark.parametrize(
    ("kiosk_and_fault", "restart"),
    # Each fault, each restart and a kill mid-delivery at least once (a kiosk start takes seconds).
    [("sqlite-readonly", "before"), ("postgres-down", "before"), ("postgres-hung", "before"),
     ("postgres-hung", "after")],  # fmt: skip
    indirect=["kiosk_and_fault"],
)
def test_every_finished_visit_reaches_the_store_exactly_once(kiosk_and_fault, restart, cli):
    kiosk, fault = kiosk_and_fault
    kiosk.start()
    kiosk.finish_visits(1)
    kiosk.wait_delivered()
    fault.go_away()
    kiosk.finish_visits(2)  # the screens go on as usual; the visits wait on the kiosk's disk
    health = kiosk.health()
    assert health["ok"] is False and health["outbox"]["depth"] == 2
    kiosk.kill()  # a power cut before the store is back
    if restart == "before":
        kiosk.start()  # starts, and serves, without its store
        kiosk.finish_visits(1)
        assert kiosk.health()["outbox"]["depth"] == 3
        fault.come_back()
    else:
        fault.come_back()
        kiosk.start()  # replays the outbox
        kiosk.kill()  # and again, most likely while the sender delivers what it replayed
        kiosk.start()
        kiosk.finish_visits(1)
    kiosk.wait_delivered()
    assert kiosk.health()["outbox"] == {"depth": 0, "oldest_seconds": None, "in_memory": 0}
    kiosk.kill()
    stored_once(fault.url, cli, kiosk.config, 4)


def leave_a_visit(terminal, demo, visits: int) -> None:
    demo.insert("hanako")
    wait_until(lambda: terminal.snapshot()["step"] == "consent")
    demo.remove()
    wait_recorded(terminal, at_least=visits)


@pytest.mark.parametrize("incident", ["emptied", "old backup"])
def test_a_store_that_lost_the_last_visits_is_refused_at_start(instance, make_app, incident):
    app = make_app()
    terminal, demo = app.extensions["kiosk.terminal"], app.extensions["kiosk.demo"]
    leave_a_visit(terminal, demo, 1)
    backup = instance.parent / "backup.sqlite3"
    with sqlite3.connect(instance / "stats.sqlite3") as live, sqlite3.connect(backup) as copy:
        live.backup(copy)  # last night's backup
    leave_a_visit(terminal, demo, 2)
    terminal.stop()
    for name in ("stats.sqlite3", "stats.sqlite3-wal", "stats.sqlite3-shm"):
        (instance / name).unlink(missing_ok=True)  # a new disk, a wrong restore: the rows are gone
    if incident == "old backup":
        shutil.copy(backup, instance / "stats.sqlite3")
    with pytest.raises(StoreReplacedError) as refused:
        make_app()  # what `kiosk serve` and `kiosk demo` build first; they print the one line and exit 2
    line = str(refused.value)
    assert "\n" not in line and str(instance / "stats.sqlite3") in line
    assert ("is empty" if incident == "emptied" else "ends at row 1 (an older copy?)") in line
    assert "last stored row 2" in line and "backup" in line and "stats.last-head" in line


def visit_values(n: int) -> tuple:
    row = {c: None for c in COLUMNS}
    row.update(event_id=f"visit-{n}", terminal_id="k", venue="v", started_at="2026-11-24T01:00:00+00:00",
               ended_at="2026-11-24T01:02:00+00:00", duration_seconds=120.5, outcome="not_completed",
               pin_attempts=0, language="ja", assisted=0, options="", holder_key="h")  # fmt: skip
    return tuple(row[c] for c in COLUMNS)


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_a_delivery_cut_off_before_the_outbox_forgets_it_is_stored_once(tmp_path, kind, request):
    url = str(tmp_path / "stats.sqlite3") if kind == "sqlite" else request.getfixturevalue("postgres").new_database()
    store = StatsStore(url)
    outbox = Outbox(tmp_path)
    for n in range(3):
        outbox.append(visit_values(n))
    deliver(store, outbox.pending()[:2])  # stored, then the power goes: the outbox still has them
    replayed = Outbox(tmp_path)  # the next start
    assert [r.event_id for r in replayed.pending()] == ["visit-0", "visit-1", "visit-2"]
    deliver(store, replayed.pending())
    replayed.delivered(r.event_id for r in replayed.pending())
    assert [e["event_id"] for e in store.events()] == ["visit-0", "visit-1", "visit-2"]
    assert store.verify().ok and Outbox(tmp_path).status().depth == 0


def test_an_append_cut_off_mid_line_is_skipped_and_the_next_one_kept(tmp_path):
    outbox = Outbox(tmp_path)
    outbox.append(visit_values(1))
    with open(outbox.path, "ab") as fh:
        fh.write(b'{"id":"visit-2","at":1,"val')  # SIGKILL inside the write: its screen never changed
    replayed = Outbox(tmp_path)
    assert [r.event_id for r in replayed.pending()] == ["visit-1"]


def test_a_full_disk_still_takes_the_visit_through_the_reserve(tmp_path):
    disk = tmp_path / "disk"
    disk.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(disk)], check=True)
    try:
        outbox = Outbox(disk, reserve_bytes=256 * 1024)
        assert (disk / RESERVE_FILE).stat().st_size == 256 * 1024
        subprocess.run(["dd", "if=/dev/zero", f"of={disk / 'filler'}", "bs=4k"], capture_output=True)
        outbox.append(visit_values(1))  # no free block but the reserve's
        assert not (disk / RESERVE_FILE).exists()
        assert [r.event_id for r in Outbox(disk, reserve_bytes=0).pending()] == ["visit-1"]
        (disk / "filler").unlink()
        outbox.delivered(["visit-1"])  # once space is back, the reserve is made again
        assert (disk / RESERVE_FILE).stat().st_size == 256 * 1024
    finally:
        subprocess.run(["umount", "-l", str(disk)], capture_output=True)


def test_a_replaced_store_found_only_after_the_start_is_never_written(make_app, postgres, caplog):
    first, other = postgres.new_database(), postgres.new_database()
    app = make_app(stats_database_url=first, stats_retry_seconds=1)
    terminal, demo = app.extensions["kiosk.terminal"], app.extensions["kiosk.demo"]
    leave_a_visit(terminal, demo, 1)
    terminal.stop()
    postgres.halt()
    try:
        # Someone points the kiosk at another (empty) database while the server is down.
        app = make_app(stats_database_url=other, stats_retry_seconds=1)
    finally:
        postgres.start_again()
    terminal, demo = app.extensions["kiosk.terminal"], app.extensions["kiosk.demo"]
    demo.insert("hanako")
    wait_until(lambda: terminal.snapshot()["step"] == "consent")
    demo.remove()
    wait_until(lambda: "is empty: this kiosk last stored row 1" in caplog.text, what="the refusal in the journal")
    health = app.test_client().get("/healthz")
    assert health.status_code == 503 and health.json["outbox"]["depth"] == 1  # kept, not written
    assert list(StatsStore(other).events()) == []
