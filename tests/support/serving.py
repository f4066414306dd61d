"""What `kiosk serve` starts (kiosk.serving.Listeners: the resident and the staff listener with
the shipped waitress settings), on free loopback ports, stopped cleanly."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from kiosk.serving import Listeners


@contextmanager
def serving(app) -> Iterator[Listeners]:
    """Yields the started Listeners (``resident_address``, ``staff_address``: host:port)."""
    listeners = Listeners(app, resident_port=0, staff_port=0).start()
    try:
        yield listeners
    finally:
        listeners.stop()
