"""Whether the statistics store can write, asked without ever waiting on it.

A hung database server (paused, swapping, a dead network path with connections already open)
answers nothing, and no client-side timeout ends a read on an open connection. /healthz must
still answer at once, so the probe runs on its own thread, one at a time, and whoever asks waits
at most ``timeout``: a probe still running means the store is not writable now.
"""

from __future__ import annotations

import threading

from kiosk.statistics.store import StatsStore


class WritableProbe:
    def __init__(self, store: StatsStore) -> None:
        self.store = store
        self._lock = threading.Lock()  # guards the thread handle only: no I/O under it
        self._thread: threading.Thread | None = None
        self._writable = False

    def check(self, timeout: float) -> bool:
        """True when a fresh write succeeded within ``timeout`` seconds."""
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._probe, name="statistics-probe", daemon=True)
                self._thread.start()
            thread = self._thread
        thread.join(timeout)
        return not thread.is_alive() and self._writable

    def _probe(self) -> None:
        self._writable = self.store.writable()
