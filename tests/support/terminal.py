"""A terminal on the in-process reader, driven as the card worker and the pages would."""

from __future__ import annotations

from drivers.virtualcard.inprocess import VirtualReader
from kiosk.settings import Settings, load
from kiosk.visit.terminal import Terminal
from tests.support.waiting import wait_until


def settings(error_return_seconds: int = 60) -> Settings:
    return load(None, {"demo": True, "terminal_id": "t1", "venue": "v", "consent_version": "c1",
                       "error_return_seconds": error_return_seconds})  # fmt: skip


def step(terminal: Terminal) -> tuple[str, str | None]:
    state = terminal.snapshot()
    return state["step"], state["reason"]


def to_pin(terminal: Terminal, reader: VirtualReader, card) -> None:
    reader.insert(card)
    wait_until(lambda: step(terminal) == ("consent", None), what="the consent screen")
    terminal.act("agree")


def stored(terminal: Terminal) -> list[dict]:
    """The statistics rows, once a finished visit is in the store and nothing waits."""
    wait_until(lambda: terminal.pending_events == 0 and any(terminal.stats.events()), what="the visit recorded")
    return list(terminal.stats.events())
