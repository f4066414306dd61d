"""Issue 13: no finished visit is lost when the statistics store is away and the kiosk restarts.

The kiosk runs as a real process (`kiosk demo`), killed with SIGKILL as a power cut would; the
store is a real SQLite file on a folder made read-only, or a real PostgreSQL server shut down
or paused outright. Every visit whose screen went back to the start ends up in the store
exactly once, and the chain verifies.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.statistics.store import StatsStore
from tests.support.kiosk_process import KioskProcess
from tests.support.pg_harness import PostgresServer


@pytest.fixture(scope="module")
def own_postgres():
    """A server of this module's own: the tests shut it down and pause it."""
    server = PostgresServer().start()
    yield server
    try:
        server.resume()
    except (OSError, ValueError):
        pass
    server.stop()


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
    fault = Fault(kind, tmp_path, request.getfixturevalue("own_postgres") if "postgres" in kind else None)
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
    [("sqlite-readonly", "before"), ("postgres-down", "before"), ("postgres-hung", "before"),
     ("postgres-down", "after")],  # fmt: skip
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
        kiosk.start()
        kiosk.kill()  # again, most likely while the sender delivers what it replayed
        kiosk.start()
        kiosk.finish_visits(1)
    kiosk.wait_delivered()
    assert kiosk.health()["outbox"] == {"depth": 0, "oldest_seconds": None}
    kiosk.kill()
    stored_once(fault.url, cli, kiosk.config, 4)


def test_a_store_emptied_since_the_last_visit_is_refused_at_start(tmp_path, instance):
    config = tmp_path / "kiosk.toml"
    config.write_text(f'demo = true\ninstance_path = "{instance}"\nsecret_key = "t"\nerror_return_seconds = 1\n')
    kiosk = KioskProcess(config, tmp_path / "kiosk.log")
    kiosk.start()
    try:
        kiosk.finish_visits(1)
        kiosk.wait_delivered()
    finally:
        kiosk.stop()
    for name in ("stats.sqlite3", "stats.sqlite3-wal", "stats.sqlite3-shm"):
        (instance / name).unlink(missing_ok=True)  # a new disk, a wrong restore: the rows are gone
    started = subprocess.run([sys.executable, "-c", "from kiosk.cli import main; main()", "demo", "--config",
                              str(config), "--port", "0"], capture_output=True, text=True, timeout=30)  # fmt: skip
    assert started.returncode == 2 and "Traceback" not in started.stderr
    line = started.stderr.strip().splitlines()[-1]  # after the journal's start-up lines: one line
    assert line.startswith("kiosk: statistics store") and str(instance / "stats.sqlite3") in line
    assert "is empty" in line and "backup" in line
