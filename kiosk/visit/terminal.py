"""The terminal: one resident flow, one card worker, the gateway and the statistics store.

Worker callbacks and web actions both end here, under one lock, so the flow sees events
one at a time. Card I/O runs on the worker thread, never under the lock.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from drivers.connection import CardError, SmartCardConnection
from drivers.mynumber import JpkiSession, WrongPinError
from drivers.reader import CardReader, ReaderStatus
from kiosk.gateway import GatewayUnavailableError, RegistrationGateway, RegistrationStatus
from kiosk.settings import Settings
from kiosk.statistics.store import StatsStore
from kiosk.visit.card_worker import CardWorker
from kiosk.visit.flow import Flow, InvalidTransition, Reason, Step
from kiosk.visit.registration import CardInHand, TriesChangedError, inspect_card, prove_and_register, reason_for
from kiosk.visit.visit_log import log_finished

log = logging.getLogger(__name__)


class Terminal:
    RETRY_SECONDS = 5.0  # how often events kept in memory are offered to the store again

    def __init__(
        self,
        reader: CardReader,
        gateway: RegistrationGateway,
        stats: StatsStore,
        settings: Settings,
        installation_key: bytes,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.gateway = gateway
        self.stats = stats
        self.settings = settings
        self.installation_key = installation_key  # keys the holder pseudonym in statistics
        self.clock = clock
        self.flow = Flow(default_language=settings.default_language, language=settings.default_language)
        self.reader_status: ReaderStatus | None = None  # None until the worker's first look
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._card: CardInHand | None = None
        self._pending: list = []  # finished sessions the store has not taken yet
        self._store_failing = False
        self._last_flush_try = 0.0
        self.worker = CardWorker(reader, self)

    def start(self) -> None:
        self.worker.start()

    def stop(self) -> None:
        self.worker.stop()

    # -- state for the screens ---------------------------------------------------------
    def snapshot(self) -> dict[str, Any]:
        """What the resident and staff screens may know: never the PIN or personal data."""
        with self._lock:
            f = self.flow
            return {
                "version": f.version,
                "step": f.step.value,
                "reason": f.reason.value if f.reason else None,
                "tries_left": f.tries_left,
                "busy": f.busy,
                "card_present": f.card_present,
                "reminding": f.reminding,
                "language": f.language,
                "options": sorted(f.options),
                "helper_called": f.helper_called,
                "last_try_allowed": f.last_try_allowed,
                "reader": self.reader_status.value if self.reader_status else "starting",
            }

    def wait_for_change(self, version: int, timeout: float) -> dict[str, Any]:
        """Block until the flow's version differs from ``version`` (long polling)."""
        with self._changed:
            self._changed.wait_for(lambda: self.flow.version != version, timeout)
        return self.snapshot()

    def _event(self, action: Callable[[float], None]) -> None:
        """Apply one flow event, record finished sessions, wake pollers."""
        with self._lock:
            action(self.clock())
            finished = self.flow.take_finished()
            for summary in finished:
                self._record(summary)
            self._changed.notify_all()
        for summary in finished:  # logging may block on a full journal pipe: not under the lock
            log_finished(summary)

    def _record(self, summary) -> None:
        """Write a finished session; if the store cannot take it (full disk, read-only, the
        database server away), keep it in memory and retry, so no finished session is lost
        while the process lives. Staff see the count on the panel and /healthz."""
        self._pending.append(summary)
        self._flush_pending()

    def _flush_pending(self) -> None:
        while self._pending:
            try:
                self.stats.record(self._pending[0], self.settings.terminal_id, self.settings.venue)
            except Exception as exc:
                if not self._store_failing:
                    kept = len(self._pending)
                    log.error("statistics store refuses writes (%s); %d event(s) kept to retry", exc, kept)
                self._store_failing = True
                self._last_flush_try = time.monotonic()
                return
            self._pending.pop(0)
            if self._store_failing:
                log.warning("statistics store writable again")
            self._store_failing = False

    @property
    def pending_events(self) -> int:
        return len(self._pending)

    # -- card worker callbacks (worker thread) -----------------------------------------
    def on_reader_status(self, status: ReaderStatus) -> None:
        with self._lock:
            self.reader_status = status
            self.flow.version += 1
        if status == ReaderStatus.NO_READER:
            self._event(self.flow.reader_lost)
        else:
            self._event(self.flow.reader_back)

    def on_card_present(self, connection: SmartCardConnection | None, error: CardError | None) -> None:
        self._event(self.flow.card_inserted)
        if connection is None:
            self._fail(reason_for(error))
            return
        try:
            card = inspect_card(
                JpkiSession(connection), self.installation_key, self.settings.new_card_window_days
            )
        except CardError as exc:
            self._fail(reason_for(exc))
            return
        with self._lock:
            self._card = card
        self._event(lambda now: self.flow.card_read(card.facts, now))

    def _fail(self, reason: Reason) -> None:
        self._event(lambda now: self.flow.card_failed(reason, now))

    def on_card_removed(self) -> None:
        with self._lock:
            self._card = None
        self._event(self.flow.card_removed)

    def on_tick(self) -> None:
        with self._lock:
            if self._pending and time.monotonic() - self._last_flush_try >= self.RETRY_SECONDS:
                self._flush_pending()
            before = self.flow.version
            self.flow.tick(self.clock(), self.settings.error_return_seconds, self.settings.card_reminder_seconds)
            if self.flow.version != before:
                self._changed.notify_all()

    # -- resident actions (web threads) -----------------------------------------------
    def act(self, action: str) -> None:
        """agree / decline / cancel / acknowledge. Raises InvalidTransition when stale."""
        handler = {
            "agree": self.flow.agree,
            "decline": self.flow.decline,
            "cancel": self.flow.cancel,
            "acknowledge": self.flow.acknowledge,
            "call_helper": self.flow.call_helper,
            "timeout": self.flow.idle_timeout,
        }.get(action)
        if handler is None:
            raise InvalidTransition(f"unknown action {action}")
        self._event(handler)

    def choose_language(self, code: str) -> None:
        self._event(lambda now: self.flow.choose_language(code, now))

    def toggle_option(self, name: str) -> None:
        self._event(lambda now: self.flow.toggle_option(name, now))

    def note_option_used(self, name: str) -> None:
        with self._lock:
            self.flow.note_option_used(name)

    def staff_cancel(self) -> None:
        self._event(self.flow.staff_cancel)

    def set_assisted(self, assisted: bool) -> None:
        self._event(lambda now: self.flow.set_assisted(assisted, now))

    def set_age_band(self, band: str) -> None:
        self._event(lambda now: self.flow.set_age_band(band, now))

    def allow_last_try(self) -> None:
        """Staff side: after talking to the resident, allow the one remaining PIN try."""
        self._event(self.flow.allow_last_try)

    def submit_pin(self, pin: bytearray) -> None:
        """Hand the PIN to the card worker. A second tap finds the step changed and is refused."""
        with self._lock:
            card = self._card
            if card is None or self.flow.step != Step.PIN:
                pin[:] = bytes(len(pin))
                raise InvalidTransition("not at the PIN step")
            tries_shown = self.flow.tries_left
            self._event(self.flow.pin_submitted)
        self.worker.submit(lambda: self._register(card, pin, tries_shown))

    def _register(self, card: CardInHand, pin: bytearray, tries_shown: int) -> None:
        """Worker thread: verify, sign, register; every failure becomes a flow event."""
        s = self.settings
        try:
            outcome = prove_and_register(
                card, pin, tries_shown, self.gateway, s.consent_version, s.terminal_id, s.age_source
            )
        except WrongPinError as exc:
            tries_left = exc.tries_left
            self._event(lambda now: self.flow.pin_rejected(tries_left, now))
            return
        except TriesChangedError as exc:
            tries_now = exc.tries_left
            self._event(lambda now: self.flow.tries_changed(tries_now, now))
            return
        except (CardError, GatewayUnavailableError) as exc:
            self._fail(reason_for(exc))
            return
        result = outcome.result
        if result.status in (RegistrationStatus.REGISTERED, RegistrationStatus.ALREADY_REGISTERED):
            already = result.status == RegistrationStatus.ALREADY_REGISTERED
            self._event(lambda now: self.flow.registered(already, now, outcome.age_band))
        elif result.status == RegistrationStatus.CERTIFICATE_EXPIRED:
            self._fail(Reason.CERT_EXPIRED)
        else:
            log.warning("registration refused: %s", result.status.value)
            self._fail(Reason.REGISTRATION_REFUSED)
