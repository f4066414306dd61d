"""A PostgreSQL server that hangs (paused, swapping, a dead network path) never holds the kiosk
for ever: connecting gives up after a few seconds, as the kiosk's start needs."""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest
import sqlalchemy.exc

from kiosk.statistics.store import StatsStore


def postmaster_pid(postgres) -> int:
    return int((postgres.dir / "data" / "postmaster.pid").read_text().split()[0])


def resume(postgres) -> None:
    # runuser stops itself when its child stops (as su does), so wake both.
    for pid in (postmaster_pid(postgres), postgres.proc.pid):
        os.kill(pid, signal.SIGCONT)


def test_opening_a_store_on_a_hung_server_gives_up_within_seconds(postgres):
    url = postgres.new_database()
    outcome: list[BaseException | StatsStore] = []

    def open_store() -> None:
        try:
            outcome.append(StatsStore(url))
        except BaseException as exc:
            outcome.append(exc)

    pid = postmaster_pid(postgres)
    os.kill(pid, signal.SIGSTOP)  # the server accepts TCP (the kernel does) but never answers
    try:
        started = time.monotonic()
        opener = threading.Thread(target=open_store, daemon=True)
        opener.start()
        opener.join(10)
        took = time.monotonic() - started
    finally:
        resume(postgres)
    opener.join(30)
    assert took < 10, "opening the store waited on the hung server"
    (result,) = outcome
    assert isinstance(result, sqlalchemy.exc.OperationalError)
    assert StatsStore(url).writable()  # back to normal once the server answers


@pytest.fixture(autouse=True)
def _server_running(postgres):
    yield
    resume(postgres)  # never leave the shared server paused
