"""The terminal: one resident flow, one card worker, the gateway and the statistics store.

Worker callbacks, registration answers and web actions all end here, under one lock, so the
flow sees events one at a time. Nothing under that lock waits on I/O, since pages and /state take
it: card steps run on the card worker, registration-service calls on the registration thread,
statistics writes on the recorder's thread.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol

from drivers.errors import CardError, CardRemovedError
from drivers.mynumber import MyNumberCard, WrongPinError
from drivers.reader import CardReader, ReaderStatus
from drivers.transport import SmartCardConnection
from kiosk.gateway import GatewayUnavailableError, RegistrationGateway, RegistrationStatus
from kiosk.settings import Settings
from kiosk.statistics.opener import LazyStatsStore
from kiosk.statistics.outbox import Outbox, OutboxStatus
from kiosk.statistics.probe import WritableProbe
from kiosk.statistics.recorder import Recorder
from kiosk.statistics.store import StatsStore
from kiosk.visit import age_consent
from kiosk.visit.card_worker import CardWorker
from kiosk.visit.clock_watch import ClockWatcher
from kiosk.visit.flow import Flow, InvalidTransition, Outcome, Reason, SessionSummary, Step
from kiosk.visit.nonce import PinNonce
from kiosk.visit.registrar import RegistrationThread
from kiosk.visit.registration import (
    CardInHand,
    CardSteps,
    Proof,
    TriesChangedError,
    inspect_card,
    prove_and_register,
    reason_for,
)
from kiosk.visit.screen_hold import ScreenHold
from kiosk.visit.visit_log import log_finished

log = logging.getLogger(__name__)


class TerminalListener(Protocol):
    """Told under the terminal's lock, so it must not wait on anything (counters in memory)."""

    def step_left(self, step: str, seconds: float) -> None: ...

    def visit_finished(self, summary: SessionSummary) -> None: ...


class Terminal:
    # Longer than any visit can sit in one step (the service's timeouts and retries included):
    # past it, /healthz tells monitoring that something hangs.
    STUCK_AFTER_SECONDS = 300.0

    def __init__(
        self,
        reader: CardReader,
        gateway: RegistrationGateway,
        stats: StatsStore | LazyStatsStore,
        settings: Settings,
        installation_key: bytes,
        clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
        outbox: Outbox | None = None,
    ) -> None:
        """``clock`` is the wall clock, for the report's times only; the flow's timers and the
        visits' durations use ``monotonic``, which nobody can set back. ``outbox`` defaults to
        the instance folder's."""
        self.gateway = gateway
        self.stats = stats if isinstance(stats, LazyStatsStore) else LazyStatsStore.of(stats)
        self.settings = settings
        self.installation_key = installation_key  # keys the holder pseudonym in statistics
        self.clock = clock
        self.monotonic = monotonic
        self.flow = Flow(
            default_language=settings.default_language,
            language=settings.default_language,
            ask_age=settings.age_source == "card",
        )
        self.reader_status: ReaderStatus | None = None  # None until the worker's first look
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._card: CardInHand | None = None
        self._step_seen = (self.flow.step, monotonic())  # the step, and since when (monotonic)
        # The visit that ended last, until the next one starts: a helper may still record help on it.
        self._last_ended: SessionSummary | None = None
        # The recorder writes each finished visit and logs its one journal line, off this lock.
        outbox = outbox if outbox is not None else Outbox(settings.instance)
        self.recorder = Recorder(self.stats, outbox, settings.terminal_id, settings.venue,
                                 retry_seconds=settings.stats_retry_seconds, announce=log_finished,
                                 training=settings.training or settings.demo)  # fmt: skip
        # Until a finished visit is in the outbox on disk, pages see the screen from before it
        # finished: 'done' is never shown for a visit a power cut could still lose.
        self.hold = ScreenHold(self._changed, self._bump_version)
        # Set while this thread runs _event: a nested event never waits for the disk (it would
        # wait holding the lock that pages take).
        self._in_event = threading.local()
        self.stats_probe = WritableProbe(self.stats)  # /healthz asks it: a hung store never holds a page
        self.registrar = RegistrationThread()
        self.nonce = PinNonce()  # fetched as the PIN screen shows, never after a PIN is typed
        self.worker = CardWorker(reader, self)
        self.clock_watch = ClockWatcher(clock, monotonic)  # logs a set wall clock (the card worker's ticks)
        # Told of each step left and each visit finished, under the lock: in-memory only (metrics).
        self.listeners: list[TerminalListener] = []

    def start(self) -> None:
        self.recorder.start()
        self.registrar.start()
        self.worker.start()

    def stop(self) -> None:
        self.worker.stop()
        self.registrar.stop()
        self.recorder.stop()

    # -- state for the screens ---------------------------------------------------------
    def snapshot(self) -> dict[str, Any]:
        """What the resident and staff screens may know: never the PIN or personal data."""
        with self._lock:
            return dict(self.hold.view) if self.hold.view is not None else self._view()

    def _view(self) -> dict[str, Any]:
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
                "pin_wrong": f.pin_wrong,
                "reader": self.reader_status.value if self.reader_status else "starting",
            }

    def staff_snapshot(self) -> dict[str, Any]:
        """The snapshot plus the visit's id, which the helper's controls send back (the resident's
        page has no use for it)."""
        with self._lock:
            session, ended = self.flow.session, self._last_ended
            return {
                **self.snapshot(),
                "visit": session.visit_id if session else None,
                "event": session.event_id if session else None,
                "ended_event": ended.event_id if ended else None,
                "ended_outcome": ended.outcome.value if ended else None,
                "ended_reason": ended.reason.value if ended and ended.reason else None,
                "ended_assisted": ended.assisted if ended else None,
                "ended_age_band": ended.age_band if ended else None,
            }

    def wait_for_change(self, version: int, timeout: float) -> dict[str, Any]:
        """Block until the flow's version differs from ``version`` (long polling)."""
        with self._changed:
            shown = lambda: self.hold.view["version"] if self.hold.view is not None else self.flow.version  # noqa: E731
            self._changed.wait_for(lambda: shown() != version, timeout)
        return self.snapshot()

    def _event(self, action: Callable[[float], None]) -> None:
        """Apply one flow event, hand finished sessions to the recorder, wake pollers."""
        saved: list[threading.Event] = []
        nested = getattr(self._in_event, "active", False)
        with self._lock:
            self._in_event.active = True
            try:
                now = self.monotonic()
                before = self._view() if not self.hold.holding else None
                action(now)
                for summary in self.flow.take_finished():
                    saved.append(self.hold.visit_finished(before))
                    # a queue put, no I/O: the writer thread calls back once the visit is on disk
                    on_saved = functools.partial(self.hold.saved, saved[-1])
                    self.recorder.record(summary.on_wall_clock(self.clock(), now), on_saved)
                    for listener in self.listeners:
                        listener.visit_finished(summary)
                    if self.flow.session is None:
                        self._last_ended = summary  # a helper may still record help on it
                if self.flow.session is not None:
                    self._last_ended = None  # the next visit has started
                self._want_nonce(now)
                self._note_step()
                if not self.hold.holding:
                    self._changed.notify_all()
            finally:
                self._in_event.active = nested
        if saved and not nested:
            self.hold.wait_saved(saved)

    def _bump_version(self) -> None:
        self.flow.version += 1

    def _note_step(self) -> None:
        if self.flow.step != self._step_seen[0]:
            left, since = self._step_seen
            self._step_seen = (self.flow.step, self.monotonic())
            for listener in self.listeners:
                listener.step_left(left.value, max(0.0, self._step_seen[1] - since))

    def time_in_step(self) -> tuple[str, float]:
        """The current step and how long it has been shown, for /healthz's stuck check."""
        with self._lock:
            step, since = self._step_seen
            return step.value, max(0.0, self.monotonic() - since)

    @property
    def pending_events(self) -> int:
        """Finished visits not yet in the statistics store (the panel and /healthz show them)."""
        return self.recorder.pending

    def outbox_status(self) -> OutboxStatus:
        """The outbox's depth and its oldest visit's age (read-only, for the panel and /healthz)."""
        return self.recorder.outbox_status()

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
        if connection is not None:
            with self._lock:
                visit = self.flow.session
            self.registrar.submit(lambda: self._check_service(visit))
        if connection is None:
            self._fail(reason_for(error))
            return
        try:
            card = inspect_card(
                MyNumberCard(connection), self.installation_key, self.settings.new_card_window_days
            )
        except CardError as exc:
            self._fail(reason_for(exc))
            return
        with self._lock:
            self._card = card
        self._event(lambda now: self.flow.card_read(card.facts, now))

    def _check_service(self, visit: SessionSummary | None) -> None:
        """On the registration thread, off the lock: the network may take seconds to say no."""
        if not self.gateway.reachable():
            self._event(lambda now: self.flow.service_unreachable(visit, now))

    def _want_nonce(self, now: float) -> None:
        """Under the lock, a queue put only: on the PIN screen, have a nonce fetched if none is
        held (or it runs out soon), so the registration never asks for one after the PIN."""
        visit = self.flow.session
        if self.flow.step == Step.PIN and visit is not None and self.nonce.wanted(visit, now):
            self.registrar.submit(lambda: self._fetch_nonce(visit))

    def _fetch_nonce(self, visit: SessionSummary) -> None:
        """Registration thread, off the lock. A service that gives none is said on the PIN
        screen, before any PIN is typed."""
        try:
            challenge = self.gateway.challenge()
        except Exception as exc:
            if not isinstance(exc, GatewayUnavailableError):
                log.exception("nonce request failed unexpectedly")
            with self._lock:
                self.nonce.failed(visit)
            self._event(lambda now: self.flow.service_unreachable(visit, now))
            return
        with self._lock:
            self.nonce.fetched(visit, challenge, self.monotonic(), self.clock())

    def _fail(self, reason: Reason) -> None:
        self._event(lambda now: self.flow.card_failed(reason, now))

    def on_card_removed(self) -> None:
        with self._lock:
            self._card = None
        self._event(self.flow.card_removed)

    def nudge(self) -> None:
        """Something beside the flow changed what the page shows (a slip printed): pages reload."""
        with self._lock:
            self.flow.version += 1
            self._changed.notify_all()

    def on_tick(self) -> None:
        self.clock_watch.check()  # before the lock: a jump is logged, and logging is I/O
        with self._lock:
            before = self.flow.version
            s = self.settings
            now = self.monotonic()
            self.flow.tick(now, s.error_return_seconds, s.card_reminder_seconds)
            self._want_nonce(now)  # renewed before it runs out while the resident types
            if self.flow.version != before:
                self._note_step()
                self._changed.notify_all()

    # -- resident actions (web threads) -----------------------------------------------
    def act(self, action: str) -> None:
        """agree / decline / read_age / skip_age / cancel / acknowledge. Raises InvalidTransition
        when stale."""
        handler = {
            "agree": self.flow.agree,
            "read_age": lambda now: age_consent.read_it(self.flow, now),
            "skip_age": lambda now: age_consent.skip_it(self.flow, now),
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

    def _on_visit(self, visit: str | None, event: Callable[[float], None], by: str = "") -> str | None:
        """Apply a helper's flow event only if the open visit is ``visit`` (the one the panel
        showed; None: whichever is open) and return the id it applied to, read under the same
        lock, so the staff actions chain names the visit really acted on, never a forged one.
        Once it succeeds, the visit names the helper with pseudonym ``by`` (its row's acted_by)."""
        applied: list[str | None] = []

        def guarded(now: float) -> None:
            session = self.flow.session
            current = session.visit_id if session else None
            if visit is not None and current != visit:
                raise InvalidTransition("the panel showed another visit")
            event(now)
            if by and session is not None:
                session.acted_by = session.acted_by | {by}
            applied.append(current)

        self._event(guarded)
        return applied[0]

    def _by(self, by: str, action: Callable[[float], None]) -> Callable[[float], None]:
        """``action`` done by the helper with pseudonym ``by``: once it succeeds, the visit it
        acted on names them (its row's acted_by); nothing is noted when it is refused."""

        def run(now: float) -> None:
            session = self.flow.session
            action(now)
            if by and session is not None:
                session.acted_by = session.acted_by | {by}

        return run

    def staff_cancel(self, visit: str | None = None, by: str = "") -> str | None:
        return self._on_visit(visit, self.flow.staff_cancel, by)

    def set_assisted(self, assisted: bool, visit: str | None = None, by: str = "") -> str | None:
        return self._on_visit(visit, lambda now: self.flow.set_assisted(assisted, now), by)

    def set_age_band(self, band: str, by: str = "") -> None:
        self._event(self._by(by, lambda now: self.flow.set_age_band(band, now)))

    def help_target(self, event_id: str, assisted: bool | None = None, age_band: str | None = None,
                    by: str = "") -> str:  # fmt: skip
        """Where a helper's note on visit ``event_id`` lands: 'current' (the open visit, whose
        own row will say it too, naming ``by`` as acting), 'ended' (the visit just finished,
        still on screen) or 'earlier'. The caller writes the help row, off this lock."""
        with self._lock:
            session = self.flow.session
            if session is not None and session.event_id == event_id:
                if assisted is not None:
                    self._event(self._by(by, lambda now: self.flow.set_assisted(assisted, now)))
                if age_band is not None:
                    self._event(self._by(by, lambda now: self.flow.set_age_band(age_band, now)))
                return "current"
            ended = self._last_ended
            if ended is not None and ended.event_id == event_id:
                if assisted is not None:
                    ended.assisted = assisted  # what the panel shows; the row is already on its way
                if age_band is not None and not ended.age_band:
                    ended.age_band = age_band
                self.nudge()
                return "ended"
        return "earlier"

    def restart(self, visit: str | None = None, by: str = "") -> str | None:
        """A helper starts over: the open visit ends (cancelled, assisted) and the first screen
        shows; a card still in the reader is reset on the card worker (no PIN stays verified)
        and read again as a new visit."""
        with self._lock:
            applied = self._on_visit(visit, self.flow.restart, by)
            card_present = self.flow.card_present
            self._card = None
        if card_present:
            self.worker.reread()
        return applied

    def allow_last_try(self, visit: str | None = None, by: str = "") -> str | None:
        """Staff side: after talking to the resident, allow the one remaining PIN try.

        ``visit`` is the visit the helper's panel showed: another (stale) one is refused;
        ``by`` is the helper's pseudonym, noted on the visit.
        """
        return self._on_visit(visit, self.flow.allow_last_try, by)

    def submit_pin(self, pin: bytearray) -> None:
        """Hand the PIN to the registration thread. A second tap finds the step changed and is refused."""
        taken: dict[str, Any] = {}

        def submit(now: float) -> None:  # the check and the step change under one hold of the lock
            card = self._card
            if card is None or self.flow.step != Step.PIN:
                pin[:] = bytes(len(pin))
                raise InvalidTransition("not at the PIN step")
            # read_age: only the resident's own yes reads the card for it
            taken.update(card=card, tries=self.flow.tries_left, session=self.flow.session, read_age=self.flow.read_age)
            self.flow.pin_submitted(now)

        self._event(submit)
        card, tries, session, read_age = taken["card"], taken["tries"], taken["session"], taken["read_age"]
        self.registrar.submit(lambda: self._register(card, pin, tries, session, read_age))

    def _on_card(self, card: CardInHand) -> CardSteps:
        """Run the card steps on the card worker, and only on the card they were meant for."""

        def run(steps: Callable[[], Proof]) -> Proof:
            def checked() -> Proof:
                if self._card is not card:  # pulled (or swapped) while the service was asked
                    raise CardRemovedError("the card left the reader before its PIN was used")
                return steps()

            return self.worker.run(checked)

        return run

    def _register(
        self, card: CardInHand, pin: bytearray, tries_shown: int, session: SessionSummary | None, read_age: bool
    ) -> None:
        """Registration thread: card steps (on the card worker) with the nonce fetched when the
        PIN screen showed, then register; every answer becomes a flow event for ``session``."""
        s = self.settings
        with self._lock:
            # Fetched when the PIN screen showed (the job ran before this one on this thread);
            # only one that ran out meanwhile is fetched again, after the PIN.
            challenge = self.nonce.take(session, self.monotonic())
        try:
            outcome = prove_and_register(
                card, pin, tries_shown, self.gateway, s.consent_version, s.terminal_id, read_age,
                on_card=self._on_card(card), challenge=challenge,
            )  # fmt: skip
        except WrongPinError as exc:
            tries_left = exc.tries_left
            self._answer(session, lambda now: self.flow.pin_rejected(tries_left, now))
            return
        except TriesChangedError as exc:
            tries_now = exc.tries_left
            self._answer(session, lambda now: self.flow.tries_changed(tries_now, now))
            return
        except (CardError, GatewayUnavailableError) as exc:
            reason = reason_for(exc)
            self._answer(session, lambda now: self.flow.card_failed(reason, now))
            return
        except Exception:  # a bug or a broken file (CRL, the service's database): never leave
            # the resident on 'registering'; the screen says to call a helper, the row records it
            log.exception("registration failed unexpectedly")
            self._answer(session, lambda now: self.flow.card_failed(Reason.REGISTRATION_REFUSED, now))
            return
        result = outcome.result
        if result.status in (RegistrationStatus.REGISTERED, RegistrationStatus.ALREADY_REGISTERED):
            already = result.status == RegistrationStatus.ALREADY_REGISTERED
            self._answer(
                session,
                lambda now: self.flow.registered(already, now, outcome.age_band),
                Outcome.ALREADY_REGISTERED if already else Outcome.REGISTERED,
                outcome.age_band,
            )
            return
        if result.status == RegistrationStatus.CERTIFICATE_EXPIRED:
            reason = Reason.CERT_EXPIRED
        else:
            log.warning("registration refused: %s", result.status.value)
            reason = Reason.REGISTRATION_REFUSED
        self._answer(session, lambda now: self.flow.card_failed(reason, now))

    def _answer(
        self,
        session: SessionSummary | None,
        on_screen: Callable[[float], None],
        outcome: Outcome | None = None,
        age_band: str | None = None,
    ) -> None:
        """A registration's answer: shown to its resident if they are still at the kiosk;
        if the card was pulled meanwhile, only their visit's row learns it (``Flow.settle``)."""

        def answer(now: float) -> None:  # decided under the event's lock, with the event
            if session is not None and self.flow.awaits_answer(session):
                self.flow.settle(session, outcome, age_band)
            else:
                on_screen(now)

        self._event(answer)
