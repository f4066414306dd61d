"""The resident flow as a plain state machine: no Flask, no card, no clock of its own.

idle → consent → [age_consent] → pin → registering → done, with `error` reachable from every
step (age_consent only when the age band may come from the card: ``kiosk.visit.age_consent``). A
*session* runs from card insertion to its first outcome (done or error); it is summarised
once for the statistics, without personal data.

Every ``now`` the flow receives is on a monotonic clock (timers and durations must survive the
wall clock being set); the terminal turns a summary's times into wall-clock times for the report.
"""

from __future__ import annotations

import dataclasses
import enum
import uuid
from dataclasses import dataclass, field

from kiosk.settings import Settings


class Step(enum.StrEnum):
    IDLE = "idle"
    CONSENT = "consent"
    AGE_CONSENT = "age_consent"  # may the birth date be read from the card? (kiosk/visit/age_consent.py)
    PIN = "pin"
    REGISTERING = "registering"
    DONE = "done"
    ERROR = "error"


class Reason(enum.StrEnum):
    """Why a session ended, or why the resident sees a notice. Each has its own message."""

    REGISTERED = "registered"
    ALREADY_REGISTERED = "already_registered"
    WRONG_PIN = "wrong_pin"
    TRIES_CHANGED = "tries_changed"
    ONE_TRY_LEFT = "one_try_left"
    PIN_LOCKED = "pin_locked"
    NO_PIN_SET = "no_pin_set"
    CERT_EXPIRED = "cert_expired"
    NOT_MY_NUMBER_CARD = "not_my_number_card"
    CARD_UNREADABLE = "card_unreadable"
    CARD_REMOVED = "card_removed"
    READER_UNAVAILABLE = "reader_unavailable"
    GATEWAY_UNAVAILABLE = "gateway_unavailable"
    REGISTRATION_REFUSED = "registration_refused"
    DECLINED = "declined"
    CANCELLED = "cancelled"
    TIMED_OUT = "timed_out"


class Outcome(enum.StrEnum):
    REGISTERED = "registered"
    ALREADY_REGISTERED = "already_registered"
    DECLINED = "declined"
    NOT_COMPLETED = "not_completed"


class InvalidTransition(Exception):
    """An action that the current step does not take (a double tap, a stale page)."""


@dataclass(frozen=True)
class CardFacts:
    """What the kiosk learns from the card before the PIN: nothing personal."""

    tries_left: int | None  # None: no PIN set on this card
    cert_expired: bool
    new_card: bool
    holder_key: str  # keyed hash of the certificate serial


@dataclass
class SessionSummary:
    started_at: float
    ended_at: float = 0.0
    outcome: Outcome = Outcome.NOT_COMPLETED
    reason: Reason | None = None
    pin_attempts: int = 0
    tries_left_at_start: int | None = None
    new_card: bool | None = None
    holder_key: str = ""
    language: str = Settings.default_language
    assisted: bool = False
    age_band: str | None = None
    options: frozenset[str] = frozenset()  # display and voice options the resident used
    acted_by: frozenset[str] = frozenset()  # pseudonyms of helpers who acted on it from the panel
    # Names this visit on the helper's panel, so a control from a stale panel cannot act on the
    # next resident; never recorded in the statistics.
    visit_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    event_id: str = field(default_factory=lambda: str(uuid.uuid4()))  # its statistics row's id; help rows name it

    def on_wall_clock(self, wall_now: float, flow_now: float) -> SessionSummary:
        """This summary with wall-clock times for the report, read at ``flow_now``: the end is
        placed by the wall clock now, the start by the duration the monotonic clock measured."""
        ended = wall_now - (flow_now - self.ended_at)
        return dataclasses.replace(self, started_at=ended - (self.ended_at - self.started_at), ended_at=ended)


@dataclass
class Flow:
    step: Step = Step.IDLE
    reason: Reason | None = None  # the error shown, or the notice on the PIN screen
    tries_left: int | None = None
    busy: bool = False  # reading the card after insertion
    card_present: bool = False
    reminding: bool = False  # the card was left on the reader after the end: remind louder
    last_try_allowed: bool = False  # a helper allowed the resident's last PIN try
    service_down: bool = False  # the registration service could not be reached for this visit
    pin_wrong: bool = False  # the last PIN sent was wrong: the screen says so before anything else
    ask_age: bool = False  # age_source = "card": the resident is asked before the card is read for it
    read_age: bool = False  # the resident said yes to that, on its own screen, in this session
    version: int = 0
    entered_at: float = 0.0
    card_left_at: float | None = None  # when the card was taken from a done or error screen
    default_language: str = Settings.default_language
    language: str = Settings.default_language
    options: set[str] = field(default_factory=set)  # display options on for this resident
    used_options: set[str] = field(default_factory=set)  # ever on during this session
    helper_called: bool = False
    session: SessionSummary | None = None
    _finished: list[SessionSummary] = field(default_factory=list)
    _awaiting: list[SessionSummary] = field(default_factory=list)  # left while the service was asked

    # -- helpers -------------------------------------------------------------------
    def _go(self, step: Step, now: float, reason: Reason | None = None) -> None:
        self.step, self.reason, self.entered_at = step, reason, now
        self.card_left_at = None
        self.version += 1

    def _require(self, *steps: Step) -> None:
        if self.step not in steps:
            raise InvalidTransition(f"not allowed at step {self.step.value}")

    def _finish(self, now: float, outcome: Outcome, reason: Reason, awaiting: bool = False) -> None:
        if self.session is not None:
            self.session.ended_at = now
            self.session.outcome = outcome
            self.session.reason = reason
            self.session.language = self.language
            self.session.options = frozenset(self.used_options)
            (self._awaiting if awaiting else self._finished).append(self.session)
            self.session = None

    def _hold(self, reason: Reason, now: float) -> None:
        """An error screen that a helper must resolve: the session stays open and the helper
        is called at once (the staff side sees it)."""
        self.busy = False
        self.helper_called = True
        self._go(Step.ERROR, now, reason)

    def _fail(self, reason: Reason, now: float) -> None:
        outcome = Outcome.DECLINED if reason == Reason.DECLINED else Outcome.NOT_COMPLETED
        self._finish(now, outcome, reason)
        self.busy = False
        self._go(Step.ERROR, now, reason)

    def _leave_registering(self, reason: Reason, now: float) -> None:
        """The card or the reader went while the registration service was being asked: the
        resident sees why at once, and the visit's row waits for the service's answer
        (``settle``), which may still register the card."""
        self._finish(now, Outcome.NOT_COMPLETED, reason, awaiting=True)
        self.busy = False
        self._go(Step.ERROR, now, reason)

    def take_finished(self) -> list[SessionSummary]:
        """Sessions that reached an outcome since the last call (for the statistics)."""
        done, self._finished = self._finished, []
        return done

    # -- card events -----------------------------------------------------------------
    def card_inserted(self, now: float) -> None:
        if self.card_left_at is not None:
            # A card placed while a finished visit's screen lingers: the next visit starts now.
            self._reset(now)
        self.card_present = True
        if self.step == Step.ERROR and self.reason == Reason.CARD_REMOVED:
            # The same resident put the card back: start again in their language and display.
            self._reset(now, keep_preferences=True)
        if self.step != Step.IDLE:
            return  # a card put back on an error or done screen waits for that screen to end
        self.session = SessionSummary(started_at=now, language=self.language)
        self.service_down = False
        self.read_age = False
        self.busy = True
        self.version += 1

    def card_read(self, facts: CardFacts, now: float) -> None:
        if self.session is None or not self.busy:
            return
        self.busy = False
        s = self.session
        s.tries_left_at_start, s.new_card, s.holder_key = facts.tries_left, facts.new_card, facts.holder_key
        self.tries_left = facts.tries_left
        # An expired certificate is renewed at the counter, where the PIN is set again: say
        # that first, whatever the tries left.
        if facts.cert_expired:
            self._fail(Reason.CERT_EXPIRED, now)
        elif facts.tries_left is None:
            self._fail(Reason.NO_PIN_SET, now)
        elif facts.tries_left == 0:
            self._fail(Reason.PIN_LOCKED, now)
        elif self.service_down:
            self._fail(Reason.GATEWAY_UNAVAILABLE, now)
        elif facts.tries_left == 1:
            self._hold(Reason.ONE_TRY_LEFT, now)
        else:
            self._go(Step.CONSENT, now)

    def service_unreachable(self, visit: SessionSummary | None, now: float) -> None:
        """The registration service cannot be reached (checked as the card is read): say so
        before the resident agrees or types the PIN. Once the PIN is sent, the registration
        itself reports it."""
        if self.session is None or self.session is not visit:
            return  # an answer about an earlier visit
        if self.busy and self.step == Step.IDLE:
            self.service_down = True  # card_read says it, after what the card itself says
        elif self.step in (Step.CONSENT, Step.AGE_CONSENT, Step.PIN) or (
            self.step == Step.ERROR and self.reason == Reason.ONE_TRY_LEFT
        ):
            self._fail(Reason.GATEWAY_UNAVAILABLE, now)

    def card_failed(self, reason: Reason, now: float) -> None:
        """The card could not be used (at insertion or during a step)."""
        if self.session is None and self.step in (Step.DONE, Step.ERROR):
            return
        if self.session is None:
            self.session = SessionSummary(started_at=now, language=self.language)
        self._fail(reason, now)

    def card_removed(self, now: float) -> None:
        self.card_present = False
        self.reminding = False
        if self.step == Step.ERROR and self.reason == Reason.READER_UNAVAILABLE:
            self.version += 1  # the reader's return, not the card's, ends this screen
        elif self.step in (Step.DONE, Step.ERROR) and self.reason != Reason.CARD_REMOVED:
            # 'Please take your card' was answered. The result stays readable (and printable)
            # a while longer, for a resident who reads slowly or wants the slip; tick() clears it.
            if self.session is not None:  # a held session (one try left) ends with its card
                self._finish(now, Outcome.NOT_COMPLETED, self.reason or Reason.CANCELLED)
            self.card_left_at = now
            self.version += 1
        elif self.step == Step.IDLE:
            if self.session is not None:
                self._finish(now, Outcome.NOT_COMPLETED, Reason.CARD_REMOVED)
            self.busy = False
            self.version += 1
        elif self.step == Step.REGISTERING:
            self._leave_registering(Reason.CARD_REMOVED, now)
        elif self.step != Step.ERROR:
            self._fail(Reason.CARD_REMOVED, now)

    def reader_lost(self, now: float) -> None:
        """The reader was unplugged or pcscd stopped: whatever was under way is over."""
        if self.step in (Step.IDLE, Step.DONE) and not self.busy:
            return
        if self.step == Step.ERROR and self.session is None:
            return  # an error already told; the reader's state shows on the next screen
        if self.step == Step.REGISTERING:
            self._leave_registering(Reason.READER_UNAVAILABLE, now)
            return
        if self.session is None:
            self.session = SessionSummary(started_at=now, language=self.language)
        self._fail(Reason.READER_UNAVAILABLE, now)

    def reader_back(self, now: float) -> None:
        if self.step == Step.ERROR and self.reason == Reason.READER_UNAVAILABLE:
            self._reset(now)

    # -- resident actions ------------------------------------------------------------
    def agree(self, now: float) -> None:
        self._require(Step.CONSENT)
        self._go(Step.AGE_CONSENT if self.ask_age else Step.PIN, now)

    def decline(self, now: float) -> None:
        self._require(Step.CONSENT)
        self._fail(Reason.DECLINED, now)

    def cancel(self, now: float) -> None:
        self._require(Step.CONSENT, Step.AGE_CONSENT, Step.PIN)
        self._fail(Reason.CANCELLED, now)

    def pin_submitted(self, now: float) -> None:
        """The PIN goes to the card; only from the PIN step, so a double tap sends it once."""
        self._require(Step.PIN)
        if self.tries_left is None or self.tries_left < 1:
            raise InvalidTransition("no PIN entry on a locked card")
        if self.tries_left == 1 and not self.last_try_allowed:
            raise InvalidTransition("the last try needs a helper's permission")
        assert self.session is not None
        self.session.pin_attempts += 1
        self.pin_wrong = False
        self._go(Step.REGISTERING, now)

    def allow_last_try(self, now: float) -> None:
        """A helper, after talking to the resident, lets them make the one remaining try.

        The helper never sees the PIN: the resident types it on the same keypad."""
        if not (self.step == Step.ERROR and self.reason == Reason.ONE_TRY_LEFT and self.session):
            raise InvalidTransition("no card waiting for a helper")
        if not self.card_present:
            raise InvalidTransition("the card is not in the reader")
        self.last_try_allowed = True
        self.helper_called = False  # the helper is here
        self.session.assisted = True
        self._go(Step.PIN, now)

    # -- this resident's preferences (reset for the next person) ----------------------
    def choose_language(self, code: str, now: float) -> None:
        self.language = code
        self.version += 1

    def toggle_option(self, name: str, now: float) -> None:
        """Larger text, high contrast, furigana, digits shown: on until this resident leaves."""
        if name in self.options:
            self.options.discard(name)
        else:
            self.options.add(name)
            self.used_options.add(name)
        self.version += 1

    def note_option_used(self, name: str) -> None:
        """An option used without a screen change (the replay button): for the statistics."""
        self.used_options.add(name)

    def call_helper(self, now: float) -> None:
        self.helper_called = True
        if self.session is not None:
            self.session.assisted = True
        self.version += 1

    def idle_timeout(self, now: float) -> None:
        """Nobody touched the screen for a long time (after a 'still there?' warning): stop
        any decision under way and wipe the screen for the next person."""
        if self.busy or self.step == Step.REGISTERING:
            return
        if self.step == Step.ERROR and self.reason == Reason.ONE_TRY_LEFT:
            return  # waiting for the helper on purpose
        if self.step in (Step.CONSENT, Step.AGE_CONSENT, Step.PIN):
            self._fail(Reason.TIMED_OUT, now)
        elif not self.card_present:
            self._reset(now)

    # -- the helper's controls (staff panel) ---------------------------------------------
    def staff_cancel(self, now: float) -> None:
        """The helper stops the session wherever it waits for a person (not mid-card-write)."""
        if self.step == Step.REGISTERING or self.busy:
            raise InvalidTransition("the card is being written: wait for the result")
        if self.session is None:
            raise InvalidTransition("no session to cancel")
        self.session.assisted = True
        self._fail(Reason.CANCELLED, now)

    def restart(self, now: float) -> None:
        """The helper's 'restart the visit': the first screen, whatever step (not mid-card-write)."""
        if self.step == Step.REGISTERING or self.busy:
            raise InvalidTransition("the card is being written: wait for the result")
        if self.session is not None:
            self.session.assisted = True
            self._finish(now, Outcome.NOT_COMPLETED, Reason.CANCELLED)
        self._reset(now)

    def set_assisted(self, assisted: bool, now: float) -> None:
        if self.session is None:
            raise InvalidTransition("no session open")
        self.session.assisted = assisted
        self.version += 1

    def set_age_band(self, band: str, now: float) -> None:
        if self.session is None:
            raise InvalidTransition("no session open")
        self.session.age_band = band
        self.version += 1

    def acknowledge(self, now: float) -> None:
        """'Back to start' on an error whose card is already gone."""
        self._require(Step.ERROR, Step.DONE)
        if self.card_present:
            raise InvalidTransition("the card is still in the reader")
        self._reset(now)

    # -- outcomes ----------------------------------------------------------------------
    def pin_rejected(self, tries_left: int, now: float) -> None:
        self._require(Step.REGISTERING)
        self.pin_wrong = True
        self._back_to_pin(tries_left, Reason.WRONG_PIN, now)

    def tries_changed(self, tries_left: int, now: float) -> None:
        """The card's counter was not what the screen showed, so no PIN was sent: show the
        real count before the resident decides again."""
        self._require(Step.REGISTERING)
        assert self.session is not None
        self.session.pin_attempts -= 1
        self.last_try_allowed = False
        self._back_to_pin(tries_left, Reason.TRIES_CHANGED, now)

    def _back_to_pin(self, tries_left: int, notice: Reason, now: float) -> None:
        self.tries_left = tries_left
        if tries_left == 0:
            self._fail(Reason.PIN_LOCKED, now)
        elif tries_left == 1:
            # One wrong try more would lock the card: stop and hand over to the helper.
            self._hold(Reason.ONE_TRY_LEFT, now)
        else:
            self._go(Step.PIN, now, notice)

    def registered(self, already: bool, now: float, age_band: str | None = None) -> None:
        self._require(Step.REGISTERING)
        assert self.session is not None
        self.session.age_band = age_band or self.session.age_band  # the card's, else the helper's
        self.tries_left = 3  # a right PIN restores the card's counter (PIN_MAX_TRIES; no driver import here)
        reason = Reason.ALREADY_REGISTERED if already else Reason.REGISTERED
        self._finish(now, Outcome.ALREADY_REGISTERED if already else Outcome.REGISTERED, reason)
        self._go(Step.DONE, now, reason)

    def awaits_answer(self, session: SessionSummary) -> bool:
        """Whether ``session`` was left while the service was asked and waits for its answer."""
        return any(s is session for s in self._awaiting)

    def settle(self, session: SessionSummary, outcome: Outcome | None, age_band: str | None = None) -> None:
        """The service's answer for a visit whose resident already left (``_leave_registering``).
        The row tells what the service did: registered, with the reason why no 'done' screen
        was seen, or not completed. The screen, already on the next resident, stays."""
        self._awaiting = [s for s in self._awaiting if s is not session]
        if outcome in (Outcome.REGISTERED, Outcome.ALREADY_REGISTERED):
            session.outcome = outcome
            session.age_band = age_band or session.age_band
        self._finished.append(session)

    def tick(
        self, now: float, error_return_seconds: float, reminder_seconds: float = Settings.card_reminder_seconds
    ) -> None:
        """Leave an error screen whose card is gone after a while, for the next resident;
        remind louder when a card stays on the reader after the end."""
        if self.step == Step.ERROR and self.reason == Reason.READER_UNAVAILABLE:
            return  # stays until the reader is back
        if self.card_left_at is not None and now - self.card_left_at >= error_return_seconds:
            self._reset(now)
        elif (
            self.card_left_at is None
            and self.step == Step.ERROR
            and not self.card_present
            and now - self.entered_at >= error_return_seconds
        ):
            self._reset(now)
        elif (
            self.step in (Step.DONE, Step.ERROR)
            and self.card_present
            and not self.reminding
            and self.reason != Reason.ONE_TRY_LEFT  # the card stays on purpose: the helper is coming
            and now - self.entered_at >= reminder_seconds
        ):
            self.reminding = True
            self.version += 1

    def _reset(self, now: float, keep_preferences: bool = False) -> None:
        if self.session is not None:  # a held session (one try left) ends unresolved
            self._finish(now, Outcome.NOT_COMPLETED, self.reason or Reason.CANCELLED)
        self.reminding = False
        self.last_try_allowed = False
        self.pin_wrong = False
        self.read_age = False
        self.tries_left = None
        self.busy = False
        self.session = None
        self.helper_called = False
        self.used_options = set(self.options) if keep_preferences else set()
        if not keep_preferences:
            self.language = self.default_language
            self.options.clear()
        self._go(Step.IDLE, now)
