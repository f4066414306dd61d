"""A PostgreSQL server paused outright (postmaster and every backend) never freezes a page:
the resident's screens, the decline and /healthz all answer within a second."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import pytest

from tests.support.waiting import wait_until


def server_pids(postgres) -> list[int]:
    """The postmaster and its backends; the runuser wrapper stops itself when its child stops."""
    master = int((postgres.dir / "data" / "postmaster.pid").read_text().split()[0])
    children = [int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit() and _ppid(p) == master]
    return [master, *children]


def _ppid(proc: Path) -> int | None:
    try:
        return int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None


def answered_within(call, seconds: float):
    box: list = []
    worker = threading.Thread(target=lambda: box.append(call()), daemon=True)
    worker.start()
    worker.join(seconds)
    assert box, "no answer within the bound"
    return box[0]


@pytest.fixture
def app(make_app, postgres):
    return make_app(stats_database_url=postgres.new_database())


def test_pages_and_healthz_answer_while_the_database_is_paused(app, client, demo, terminal, postgres):
    client.get("/healthz")  # the store's connections are open before the server hangs
    demo.insert("hanako")
    wait_until(lambda: terminal.snapshot()["step"] == "consent")
    paused = server_pids(postgres)
    for pid in paused:
        os.kill(pid, signal.SIGSTOP)
    try:
        started = time.monotonic()
        health = answered_within(lambda: client.get("/healthz"), 1.0)
        assert health.status_code == 503 and health.json["database"]["writable"] is False
        assert answered_within(lambda: client.post("/action", data={"action": "decline"}), 1.0).status_code < 400
        assert answered_within(lambda: client.get("/state"), 1.0).status_code == 200
        assert answered_within(lambda: client.get("/"), 1.0).status_code == 200
        assert time.monotonic() - started < 4
    finally:
        for pid in [*paused, postgres.proc.pid]:
            os.kill(pid, signal.SIGCONT)
    demo.remove()
    wait_until(lambda: terminal.pending_events == 0, timeout=30, what="the decline written once the server is back")
    (event,) = list(terminal.stats.events())
    assert event["outcome"] == "declined" and terminal.stats.verify().ok
