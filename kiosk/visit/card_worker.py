"""The one thread that owns the card reader.

Web requests never touch the reader: they hand the worker a job, and the worker tells its
listener about card insertions and removals. A pulled card makes the running job fail
with CardRemovedError; a lost reader or pcscd is retried here without a restart.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, wait
from typing import Protocol, TypeVar

from drivers.errors import CardError, ReaderUnavailableError
from drivers.reader import CardReader, ReaderStatus
from drivers.transport import SmartCardConnection

log = logging.getLogger(__name__)

Job = Callable[[], None]
T = TypeVar("T")


class CardListener(Protocol):
    def on_reader_status(self, status: ReaderStatus) -> None: ...

    def on_card_present(self, connection: SmartCardConnection | None, error: CardError | None) -> None: ...

    def on_card_removed(self) -> None: ...

    def on_tick(self) -> None: ...


class CardWorker:
    def __init__(self, reader: CardReader, listener: CardListener, poll_seconds: float = 0.25) -> None:
        self.reader = reader
        self.listener = listener
        self.poll_seconds = poll_seconds
        self.status = ReaderStatus.NO_READER
        self._jobs: queue.SimpleQueue[Job] = queue.SimpleQueue()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="card-worker", daemon=True)
        self._connection: SmartCardConnection | None = None
        self._beat = time.monotonic()  # each turn of the loop: the watchdog's sign of life

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def seconds_since_beat(self) -> float:
        """How long since the loop last turned: a hung reader driver or card job shows here."""
        return time.monotonic() - self._beat

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.reader.close()

    def submit(self, job: Job) -> None:
        """Run ``job`` on the worker thread, soon (within one poll interval)."""
        self._jobs.put(job)

    def run(self, job: Callable[[], T]) -> T:
        """Run ``job`` on the worker thread and wait for its result or its error. For other
        threads (the registration thread): the worker stays free to notice a pulled card
        while they wait on the network, and the card is touched by this thread alone."""
        if threading.current_thread() is self._thread:
            return job()
        future: Future[T] = Future()

        def call() -> None:
            try:
                future.set_result(job())
            except BaseException as exc:  # handed to the waiting thread, which decides
                future.set_exception(exc)

        self.submit(call)
        while not wait([future], timeout=self.poll_seconds).done:
            if not self._thread.is_alive() and not future.done():  # stopped: the job will never run
                raise ReaderUnavailableError("the card worker has stopped")
        return future.result()

    def reread(self) -> None:
        """A helper's restart: the card in the reader is reset on this connection (no PIN stays
        verified, no application selected) and reported again as just placed."""

        def again() -> None:
            connection = self._connection
            if connection is None:
                return
            try:
                connection.reset()
            except CardError as exc:
                self.listener.on_card_present(None, exc)
            else:
                self.listener.on_card_present(connection, None)

        self.submit(again)

    def _run(self) -> None:
        first = True
        while not self._stop.is_set():
            self._beat = time.monotonic()
            try:
                self._drain_jobs()
                status = self.reader.wait_for_change(0 if not self._jobs.empty() else self.poll_seconds)
                if status != self.status or first:
                    self._changed(self.status, status)
                    first = False
                self.listener.on_tick()
            except Exception:  # the worker must outlive any single failure
                log.exception("card worker loop")
                self._stop.wait(self.poll_seconds)

    def _drain_jobs(self) -> None:
        while True:
            try:
                job = self._jobs.get_nowait()
            except queue.Empty:
                return
            job()

    def _changed(self, old: ReaderStatus, new: ReaderStatus) -> None:
        self.status = new
        log.info("reader %s: %s -> %s", self.reader.name, old.value, new.value)
        self.listener.on_reader_status(new)
        if old == ReaderStatus.CARD_PRESENT:
            self._disconnect()
            self.listener.on_card_removed()
        if new == ReaderStatus.CARD_PRESENT:
            try:
                self._connection = self.reader.connect()
            except CardError as exc:
                self.listener.on_card_present(None, exc)
            else:
                self.listener.on_card_present(self._connection, None)

    def _disconnect(self) -> None:
        if self._connection is not None:
            try:
                self._connection.close()
            except Exception:  # the card is gone already; nothing to release
                pass
            self._connection = None
