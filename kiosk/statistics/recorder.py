"""Finished visits on their way to the store, written by one background thread.

The terminal hands a summary over and goes on at once: a slow or refusing database (a full
disk, a read-only mount, another program holding the SQLite file, the PostgreSQL server away)
never holds up a resident's screen. A visit the store refuses stays in memory, in order, and
is offered again every few seconds, so none is lost while the process lives; staff see the
count on the panel and /healthz. (A durable on-disk outbox is a separate issue.)
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable

from kiosk.statistics.store import StatsStore
from kiosk.visit.flow import SessionSummary

log = logging.getLogger(__name__)

_STOP = object()


class Recorder:
    def __init__(
        self,
        store: StatsStore,
        terminal_id: str,
        venue: str,
        retry_seconds: float = 5.0,
        announce: Callable[[SessionSummary], None] | None = None,
        training: bool = False,
    ) -> None:
        """``announce`` is called on this thread for each visit handed over (the journal's one
        line per visit): logging may block on a full pipe, so never on the caller's thread."""
        self.announce = announce
        self.store = store
        self.terminal_id = terminal_id
        self.venue = venue
        self.training = training  # demo and rehearsal kiosks: every visit is flagged
        self.retry_seconds = retry_seconds
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._kept: list[SessionSummary] = []  # only the writer thread touches this list
        self._pending = 0  # handed over, not yet stored
        self._count_lock = threading.Lock()  # guards the counter only: no I/O under it
        self._failing = False
        self._thread = threading.Thread(target=self._run, name="statistics-recorder", daemon=True)

    def start(self) -> None:
        self._thread.start()

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def stop(self, timeout: float = 5.0) -> None:
        """Write what can still be written within ``timeout``, then end the thread."""
        if self._thread.is_alive():
            self._queue.put(_STOP)
            self._thread.join(timeout)

    def record(self, summary: SessionSummary) -> None:
        """Queue one finished visit; returns at once."""
        with self._count_lock:
            self._pending += 1
        self._queue.put(summary)

    @property
    def failing(self) -> bool:
        """The store refused the last write (a full disk shows here, not in a cheap check)."""
        return self._failing

    @property
    def pending(self) -> int:
        """Finished visits not in the store yet (queued, being written, or refused and kept)."""
        with self._count_lock:
            return self._pending

    def _run(self) -> None:
        next_try = 0.0
        while True:
            timeout = max(0.0, next_try - time.monotonic()) if self._kept else None
            try:
                item = self._queue.get(timeout=timeout)
            except queue.Empty:
                item = None
            if item is not None and item is not _STOP:
                if self.announce is not None:
                    try:
                        self.announce(item)
                    except Exception:  # a log line never costs a statistics row
                        log.exception("announcing a finished visit")
                self._kept.append(item)
                if self._failing and time.monotonic() < next_try:
                    continue  # keep the order; the next retry takes it along
            if not self._write_kept() and item is not _STOP:
                next_try = time.monotonic() + self.retry_seconds
            if item is _STOP:
                return

    def _write_kept(self) -> bool:
        """Store the kept visits in order; False when the store refused one."""
        while self._kept:
            try:
                self.store.record(self._kept[0], self.terminal_id, self.venue, self.training)
            except Exception as exc:  # any refusal: keep the visit, never lose it
                if not self._failing:
                    log.error("statistics store refuses writes (%s); %d event(s) kept to retry", exc, len(self._kept))
                self._failing = True
                return False
            self._kept.pop(0)
            with self._count_lock:
                self._pending -= 1
            if self._failing:
                log.warning("statistics store writable again")
            self._failing = False
        return True
