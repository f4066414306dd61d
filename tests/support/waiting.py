"""Waiting for something that happens on another thread or process, with a bound."""

from __future__ import annotations

import time
from collections.abc import Callable


def wait_until(predicate: Callable[[], bool], timeout: float = 10.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


def wait_recorded(terminal, at_least: int = 1, timeout: float = 10.0) -> None:
    """Wait until ``at_least`` finished visits are in the statistics store and none is on its
    way: a background thread writes them (kiosk/statistics/recorder.py)."""

    def recorded() -> bool:
        return terminal.pending_events == 0 and len(list(terminal.stats.events())) >= at_least

    wait_until(recorded, timeout, what=f"{at_least} visit(s) recorded")
