"""Known before the PIN: with the registration service unreachable, the first screen after the
card is read says so, instead of asking the resident to agree and type the PIN for nothing."""

from __future__ import annotations

import threading

from kiosk.gateway.simulator import SimulatedGateway
from tests.support.terminal import settings, step, stored
from tests.support.waiting import wait_until


class DownGateway:
    """The simulated service behind a network that does not answer (until ``up`` is set);
    notes where its reachability was asked from."""

    def __init__(self, inner: SimulatedGateway, release: threading.Event | None = None) -> None:
        self.inner, self.release = inner, release
        self.up = False
        self.asked: list[tuple[str, bool]] = []  # (thread name, could the screens read meanwhile)
        self.terminal = None

    def reachable(self, timeout: float = 2.0) -> bool:
        if self.release is not None:
            assert self.release.wait(30), "the test never released the check"
        pages = threading.Thread(target=self.terminal.snapshot, daemon=True)  # a page asking /state
        pages.start()
        pages.join(2)
        self.asked.append((threading.current_thread().name, not pages.is_alive()))
        return self.up

    def challenge(self):
        return self.inner.challenge()

    def register(self, *args, **kwargs):
        return self.inner.register(*args, **kwargs)


def test_an_unreachable_service_is_said_before_consent_and_pin(kiosk, tmp_path, pki, make_card):  # noqa: F811
    gateway = DownGateway(SimulatedGateway(tmp_path / "gw.sqlite3", [pki.ca_cert]))
    terminal, reader = kiosk(gateway, settings=settings())
    gateway.terminal = terminal
    reader.insert(make_card("hanako"))
    wait_until(lambda: step(terminal)[0] == "error", what="an error screen")
    assert step(terminal) == ("error", "gateway_unavailable")
    # Asked on the registration thread, never the card worker, and never under the pages' lock.
    assert gateway.asked == [("registration", True)]
    assert [row["reason"] for row in stored(terminal)] == ["gateway_unavailable"]


def test_a_late_answer_stops_the_visit_at_consent(kiosk, tmp_path, pki, make_card):  # noqa: F811
    release = threading.Event()
    gateway = DownGateway(SimulatedGateway(tmp_path / "gw.sqlite3", [pki.ca_cert]), release)
    terminal, reader = kiosk(gateway, settings=settings())
    gateway.terminal = terminal
    reader.insert(make_card("hanako"))
    wait_until(lambda: step(terminal) == ("consent", None), what="the consent screen")
    terminal.act("agree")
    release.set()
    wait_until(lambda: step(terminal)[0] == "error", what="an error screen")
    assert step(terminal) == ("error", "gateway_unavailable")


def test_a_reachable_service_changes_nothing(kiosk, tmp_path, pki, make_card):  # noqa: F811
    gateway = DownGateway(SimulatedGateway(tmp_path / "gw.sqlite3", [pki.ca_cert]))
    gateway.up = True
    terminal, reader = kiosk(gateway, settings=settings())
    gateway.terminal = terminal
    reader.insert(make_card("hanako"))
    wait_until(lambda: step(terminal) == ("consent", None), what="the consent screen")
    wait_until(lambda: gateway.asked, what="the check")
    terminal.act("agree")
    assert step(terminal) == ("pin", None)
