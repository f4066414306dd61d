"""Finished visits on their way to the store: a writer thread and a sender thread.

The terminal hands a summary over and goes on at once. The writer appends it to the durable
outbox (``outbox.py``) and only then tells the terminal its screen may say done; the sender
delivers the outbox to the store in order, skipping event ids the store already holds (a
delivery cut off by a crash is delivered again after the restart, never stored twice), and
opens the store in the background when it was away at start. A store that hangs holds only the
sender: visits keep going into the outbox, and staff see its depth and oldest age on the panel
and /healthz.
"""

from __future__ import annotations

import logging
import queue
import threading
import uuid
from collections.abc import Callable, Iterable

import sqlalchemy as sa

from kiosk.statistics.opener import LazyStatsStore, StoreReplacedError
from kiosk.statistics.outbox import Outbox, OutboxRecord, OutboxStatus, event_values
from kiosk.statistics.store import StatsStore
from kiosk.visit.flow import SessionSummary

log = logging.getLogger(__name__)

_STOP = object()
BATCH = 500  # visits per delivery transaction


def deliver(store: StatsStore, records: list[OutboxRecord]) -> None:
    """Store ``records`` in order, once each: ids already in the store are skipped. Only this
    kiosk's sender writes these ids, so checking first and appending after cannot race."""
    ids = [r.event_id for r in records]
    query = sa.text("SELECT event_id FROM events WHERE event_id IN :ids")
    query = query.bindparams(sa.bindparam("ids", expanding=True))
    with store.engine.connect() as db:
        known = {row[0] for row in db.execute(query, {"ids": ids})}
    fresh = [r.values for r in records if r.event_id not in known]
    if fresh:
        store.append(fresh)


class Recorder:
    def __init__(
        self,
        store: StatsStore | LazyStatsStore,
        outbox: Outbox,
        terminal_id: str,
        venue: str,
        retry_seconds: float = 5.0,
        announce: Callable[[SessionSummary], None] | None = None,
        training: bool = False,
        on_duty: Callable[[], Iterable[str]] | None = None,
    ) -> None:
        """``announce`` is called on the writer thread for each visit handed over (the journal's
        one line per visit): logging may block on a full pipe, so never on the caller's thread.
        ``on_duty`` names the helpers (pseudonyms) whose shift at this terminal is open: asked on
        the writer thread as each visit goes into the outbox (it reads the accounts file)."""
        self.announce = announce
        self.store = store if isinstance(store, LazyStatsStore) else LazyStatsStore.of(store)
        self.outbox = outbox
        self.terminal_id = terminal_id
        self.venue = venue
        self.training = training  # demo and rehearsal kiosks: every visit is flagged
        self.on_duty = on_duty  # set by the composition root once the accounts store exists
        self.retry_seconds = retry_seconds
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._queued = 0  # handed over, not yet in the outbox
        self._count_lock = threading.Lock()  # guards the counter only: no I/O under it
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._failing = False
        self._writer = threading.Thread(target=self._write_loop, name="statistics-recorder", daemon=True)
        self._sender = threading.Thread(target=self._send_loop, name="statistics-sender", daemon=True)

    def start(self) -> None:
        self._writer.start()
        self._wake.set()  # replay what a previous run left in the outbox at once
        self._sender.start()

    @property
    def alive(self) -> bool:
        return self._writer.is_alive() and self._sender.is_alive()

    def stop(self, timeout: float = 5.0) -> None:
        """Put what was handed over into the outbox, try one last delivery, end both threads.
        Whatever is not delivered stays in the outbox for the next start; visits the folder
        kept refusing are lost, and said so (the journal, and the outbox's lost count)."""
        if self._writer.is_alive():
            self._queue.put(_STOP)
            self._writer.join(timeout)
        self._stopping.set()
        self._wake.set()
        if self._sender.is_alive():
            self._sender.join(timeout)
        lost = self.outbox.status().in_memory
        if lost:
            log.error("%d finished visit(s) are LOST: the instance folder %s refused them until the kiosk stopped",
                      lost, self.outbox.folder)  # fmt: skip
            self.outbox.note_lost(lost)

    def record(self, summary: SessionSummary, on_saved: Callable[[], None] | None = None) -> None:
        """Queue one finished visit; returns at once. ``on_saved`` runs once it is on disk."""
        with self._count_lock:
            self._queued += 1
        self._queue.put((summary, on_saved))

    @property
    def failing(self) -> bool:
        """The last delivery failed, or the store has not been reached yet."""
        return self._failing or self.store.opened is None

    @property
    def pending(self) -> int:
        """Finished visits not in the store yet (queued, or in the outbox)."""
        with self._count_lock:
            queued = self._queued
        return queued + self.outbox.status().depth

    def outbox_status(self) -> OutboxStatus:
        return self.outbox.status()

    # -- the writer: summaries into the outbox ------------------------------------------
    def _write_loop(self) -> None:
        while True:
            kept = self.outbox.status().in_memory
            if kept:  # the folder refused visits: try the disk again, before the next visit
                kept = self.outbox.write_kept()
            try:
                item = self._queue.get(timeout=self.retry_seconds if kept else None)
            except queue.Empty:
                continue
            if item is _STOP:
                if kept:
                    self.outbox.write_kept()  # the last chance before the process ends
                return
            summary, on_saved = item
            if self.announce is not None:
                try:
                    self.announce(summary)
                except Exception:  # a log line never costs a statistics row
                    log.exception("announcing a finished visit")
            # training: demo and rehearsal kiosks flag every visit (the store hashes the flag)
            values = event_values(summary, self.terminal_id, self.venue, summary.event_id or str(uuid.uuid4()),
                                  self.training, self._helpers_on_duty())  # fmt: skip
            try:
                self.outbox.append(values)
            except Exception as exc:  # never a frozen screen: the thread goes on, whatever the disk says
                # The instance folder itself refuses: keep the visit for this run at least.
                log.error("%s; the visit is kept in memory only", exc)
                self.outbox.keep_in_memory(values)
            finally:
                with self._count_lock:
                    self._queued -= 1
                if on_saved is not None:
                    on_saved()
            self._wake.set()

    def _helpers_on_duty(self) -> tuple[str, ...]:
        if self.on_duty is None:
            return ()
        try:
            return tuple(self.on_duty())
        except Exception as exc:  # a busy or damaged accounts file never costs a statistics row
            log.warning("helpers on duty not known for this visit (%s)", exc)
            return ()

    # -- the sender: the outbox into the store ----------------------------------------
    def _send_loop(self) -> None:
        while True:
            if self.outbox.status().depth == 0 and self.store.opened is not None:
                self._wake.wait()  # nothing to send: sleep until the writer adds a visit
            else:
                self._wake.wait(self.retry_seconds)
            self._wake.clear()
            self._send()
            if self._stopping.is_set():
                return

    def _send(self) -> None:
        try:
            store = self.store.try_open()
        except StoreReplacedError as exc:
            if not self._failing:
                log.error("%s", exc)
            self._failing = True
            return
        except Exception:  # a damaged file, a bug: the visits stay in the outbox
            if not self._failing:
                log.exception("statistics store cannot be opened")
            self._failing = True
            return
        if store is None:
            return
        while records := self.outbox.pending()[:BATCH]:
            try:
                deliver(store, records)
            except Exception as exc:  # any refusal: the visits stay in the outbox
                if not self._failing:
                    log.error("statistics store refuses writes (%s); %d visit(s) wait in the outbox", exc,
                              self.outbox.status().depth)  # fmt: skip
                self._failing = True
                return
            if self._failing:
                log.warning("statistics store writable again")
            self._failing = False  # before the count drops: whoever sees 0 pending sees it writable
            self.outbox.delivered(r.event_id for r in records)
            self._note_head(store)

    def _note_head(self, store: StatsStore) -> None:
        if self.store.last_head is None:
            return
        try:
            self.store.last_head.note(store, self.store.label)
        except Exception as exc:  # the next delivery writes it again
            log.warning("last known statistics head not kept (%s)", exc)
