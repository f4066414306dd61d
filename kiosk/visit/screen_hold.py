"""The screen hold: until a finished visit is in the outbox on disk, pages see the screen from
before it finished, so 'done' is never shown for a visit a power cut could still lose.

The terminal owns the lock; the hold keeps the held view and the count of visits not yet saved,
and lets the thread whose action finished a visit wait for the disk once it is off the lock.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

SAVE_WAIT_SECONDS = 2.0  # an fsync takes milliseconds; a disk that hangs must not hold a page longer


class ScreenHold:
    def __init__(self, changed: threading.Condition, bump_version: Callable[[], None]) -> None:
        """``changed`` is the terminal's condition (on its lock); ``bump_version`` makes pollers
        reload once the end may show."""
        self._changed = changed
        self._bump_version = bump_version
        self.view: dict[str, Any] | None = None  # the screen pages see while visits are unsaved
        self._unsaved = 0

    @property
    def holding(self) -> bool:
        return self.view is not None

    def visit_finished(self, before: dict[str, Any] | None) -> threading.Event:
        """Under the lock: one more visit is on its way to disk; hold ``before`` (the view
        before this event) unless a view is held already. The event is set once it is saved."""
        self._unsaved += 1
        if self.view is None:
            self.view = before
        return threading.Event()

    def saved(self, done: threading.Event) -> None:
        """The recorder's writer thread: a finished visit is in the outbox. Once none is left
        unsaved, pages see the end."""
        done.set()
        with self._changed:
            self._unsaved -= 1
            if self._unsaved == 0 and self.view is not None:
                self.view = None
                self._bump_version()
                self._changed.notify_all()

    @staticmethod
    def wait_saved(events: list[threading.Event]) -> None:
        """Off the lock: the action's own answer (a POST's redirect) shows the end."""
        for event in events:
            event.wait(SAVE_WAIT_SECONDS)
