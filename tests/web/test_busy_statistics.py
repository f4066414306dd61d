"""A statistics database that is slow to write (another program holds it, a busy PostgreSQL
server) never slows the resident's screens: finished visits are written in the background."""

from __future__ import annotations

import sqlite3
import time

from tests.support.waiting import wait_until


def timed(call) -> float:
    start = time.monotonic()
    call()
    return time.monotonic() - start


def test_screens_answer_while_the_statistics_database_is_held(client, demo, terminal):
    demo.insert("hanako")
    wait_until(lambda: terminal.snapshot()["step"] == "consent")
    holder = sqlite3.connect(terminal.stats.path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # e.g. a backup or `kiosk stats prune` writing
    try:
        assert timed(lambda: client.post("/action", data={"action": "decline"})) < 0.5
        assert terminal.snapshot()["reason"] == "declined"
        assert timed(terminal.snapshot) < 0.5
        assert timed(lambda: client.get("/state")) < 0.5
        assert timed(lambda: client.get("/")) < 0.5
        assert terminal.pending_events == 1  # the staff panel and /healthz show it waiting
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    wait_until(lambda: terminal.pending_events == 0, what="the visit written")
    (event,) = list(terminal.stats.events())  # stored exactly once
    assert event["outcome"] == "declined" and terminal.stats.verify().ok
