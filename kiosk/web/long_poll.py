"""A cap on staff panels waiting at once for the terminal to change.

Each wait holds one of the staff listener's threads for up to 20 s. Beyond the cap a poll is
answered at once with the current state and a Retry-After, and the panel asks again later:
sign-in, the manager's pages and /healthz always find a free thread."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

# Seconds a panel turned away waits before it polls again (the page reads Retry-After).
RETRY_AFTER_SECONDS = 5


class LongPollGate:
    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._slots = threading.BoundedSemaphore(limit)

    @contextmanager
    def waiting(self) -> Iterator[bool]:
        """Yields whether this request may wait (a slot is held until the block ends)."""
        entered = self._slots.acquire(blocking=False)
        try:
            yield entered
        finally:
            if entered:
                self._slots.release()
