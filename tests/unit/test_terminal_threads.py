"""The terminal's threads and clocks: a slow registration service never hides a pulled card,
and a wall clock set back mid-visit neither makes a negative duration nor freezes a screen."""

from __future__ import annotations

import threading
import time

from kiosk.gateway.simulator import SimulatedGateway
from tests.support.terminal import settings, step, stored, to_pin
from tests.support.waiting import wait_until


class SlowGateway:
    """The simulated service, except that one call waits until the test lets it answer."""

    def __init__(self, inner: SimulatedGateway, slow: str) -> None:
        self.inner, self.slow = inner, slow
        self.called, self.release = threading.Event(), threading.Event()
        self.answered = threading.Event()

    def _wait(self, name: str) -> None:
        if name == self.slow:
            self.called.set()
            assert self.release.wait(30), "the test never released the call"

    def reachable(self, timeout: float = 2.0) -> bool:
        return True

    def challenge(self):
        self._wait("challenge")
        return self.inner.challenge()

    def register(self, *args, **kwargs):
        self._wait("register")
        try:
            return self.inner.register(*args, **kwargs)
        finally:
            self.answered.set()


class WallClock:
    """The system clock, as NTP or an administrator may set it back while a visit runs."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset


def test_a_card_pulled_while_the_service_is_slow_to_register_shows_at_once(kiosk, tmp_path, pki, make_card):
    gateway = SlowGateway(SimulatedGateway(tmp_path / "gw.sqlite3", [pki.ca_cert]), slow="register")
    terminal, reader = kiosk(gateway, settings=settings())
    to_pin(terminal, reader, make_card("hanako"))
    terminal.submit_pin(bytearray(b"1234"))
    assert gateway.called.wait(10), "the registration never went out"
    reader.remove()
    wait_until(lambda: step(terminal) == ("error", "card_removed"), timeout=2, what="the card-removed screen")
    assert not gateway.answered.is_set()  # the service has not answered yet

    gateway.release.set()  # the service registers the card after all
    (event,) = stored(terminal)
    # The row tells the truth: the card is registered; the reason says why no 'done' was seen.
    assert (event["outcome"], event["reason"]) == ("registered", "card_removed")
    assert event["duration_seconds"] >= 0
    assert step(terminal) == ("error", "card_removed")  # the screen does not jump back

    to_pin(terminal, reader, make_card("hanako"))  # the next visit works as usual
    terminal.submit_pin(bytearray(b"1234"))
    wait_until(lambda: step(terminal) == ("done", "already_registered"), what="the done screen")
    assert [e["outcome"] for e in stored(terminal)] == ["registered", "already_registered"]  # once each


def test_a_card_pulled_while_the_service_is_slow_to_give_its_nonce_shows_at_once(kiosk, tmp_path, pki, make_card):
    gateway = SlowGateway(SimulatedGateway(tmp_path / "gw.sqlite3", [pki.ca_cert]), slow="challenge")
    terminal, reader = kiosk(gateway, settings=settings())
    card = make_card("hanako")
    to_pin(terminal, reader, card)
    pin = bytearray(b"1234")
    terminal.submit_pin(pin)
    assert gateway.called.wait(10), "the nonce was never asked for"
    reader.remove()
    wait_until(lambda: step(terminal) == ("error", "card_removed"), timeout=2, what="the card-removed screen")

    gateway.release.set()
    (event,) = stored(terminal)
    assert (event["outcome"], event["reason"]) == ("not_completed", "card_removed")
    assert card.pin_presentations() == 0 and pin == bytearray(4)  # nothing went to the card; PIN wiped
    assert not gateway.answered.is_set()  # and nothing was registered
    assert step(terminal) == ("error", "card_removed")


def test_a_wall_clock_set_back_mid_visit_makes_no_negative_duration(kiosk, make_card):
    wall = WallClock()
    terminal, reader = kiosk(settings=settings(error_return_seconds=1), clock=wall)
    reader.insert(make_card("hanako"))
    wait_until(lambda: step(terminal) == ("consent", None), what="the consent screen")
    wall.offset = -3600.0  # the clock is set back one hour while the resident reads
    terminal.act("decline")
    reader.remove()
    (event,) = stored(terminal)
    assert event["outcome"] == "declined" and 0 <= event["duration_seconds"] < 60
    assert event["ended_at"] >= event["started_at"]


def test_an_error_screen_still_returns_to_idle_when_the_wall_clock_is_set_back(kiosk, make_card):
    wall = WallClock()
    terminal, reader = kiosk(settings=settings(error_return_seconds=1), clock=wall)
    reader.insert(make_card("hanako"))
    wait_until(lambda: step(terminal) == ("consent", None), what="the consent screen")
    reader.remove()
    wait_until(lambda: step(terminal) == ("error", "card_removed"), what="the card-removed screen")
    wall.offset = -3600.0  # set back one hour while the error screen is shown
    wait_until(lambda: step(terminal) == ("idle", None), timeout=5, what="the idle screen")


class BrokenGateway(SlowGateway):
    """The simulated service, except that registering fails in a way nobody planned for
    (e.g. its SQLite file refusing writes)."""

    def register(self, *args, **kwargs):
        import sqlite3

        raise sqlite3.OperationalError("attempt to write a readonly database")


def test_an_unexpected_failure_while_registering_shows_call_a_helper_and_is_recorded(
    kiosk, tmp_path, pki, make_card, caplog
):
    gateway = BrokenGateway(SimulatedGateway(tmp_path / "gw.sqlite3", [pki.ca_cert]), slow="")
    terminal, reader = kiosk(gateway, settings=settings())
    to_pin(terminal, reader, make_card("hanako"))
    pin = bytearray(b"1234")
    terminal.submit_pin(pin)
    # Not left on 'registering' until the card is pulled: an error screen that says to call a helper.
    wait_until(lambda: step(terminal)[0] == "error", timeout=5, what="an error screen")
    assert step(terminal) == ("error", "registration_refused") and pin == bytearray(4)
    assert any("registration failed unexpectedly" in r.getMessage() for r in caplog.records)
    assert "1234" not in caplog.text
    reader.remove()  # the resident takes the card; the visit's row says what went wrong
    (event,) = stored(terminal)
    assert (event["outcome"], event["reason"]) == ("not_completed", "registration_refused")
