"""The PIN in memory (issue 12, item 14): the VERIFY APDU is one mutable buffer, wiped once
sent; the list pyscard takes is overwritten too; the nonce is asked for before the PIN exists."""

from __future__ import annotations

import pytest

from drivers import pcsc
from drivers.mynumber import MyNumberCard, WrongPinError
from drivers.transport import SmartCardConnection
from drivers.virtualcard.inprocess import VirtualReader
from kiosk.gateway.simulator import SimulatedGateway
from tests.support.terminal import settings, step, to_pin
from tests.support.waiting import wait_until


class Recording(SmartCardConnection):
    """The virtual card's connection, keeping every command object it was handed."""

    def __init__(self, inner: SmartCardConnection) -> None:
        self.inner = inner
        self.sent: list[tuple[bytes, bytes | bytearray]] = []  # (header when sent, the object)

    def send_and_receive(self, apdu):
        self.sent.append((bytes(apdu[:5]), apdu))
        return self.inner.send_and_receive(apdu)

    def reset(self) -> None:
        self.inner.reset()

    def verifies_with_data(self) -> list:
        return [obj for head, obj in self.sent if head[1] == 0x20 and len(head) == 5 and head[4] == 4]


@pytest.mark.parametrize("digits", [b"1234", b"0000"])  # right, and wrong (the error path)
def test_the_verify_apdu_is_a_buffer_wiped_once_sent(make_card, digits):
    reader = VirtualReader()
    card = make_card("hanako")
    reader.insert(card)
    connection = Recording(reader.connect())
    pin = bytearray(digits)
    session = MyNumberCard(connection)
    if digits == b"1234":
        session.verify_pin(pin)
    else:
        with pytest.raises(WrongPinError):
            session.verify_pin(pin)
    (apdu,) = connection.verifies_with_data()
    assert card.pin_presentations() == 1  # the card got the digits
    assert isinstance(apdu, bytearray) and apdu == bytearray(len(apdu))  # and our copy is gone


def test_the_list_pyscard_is_given_is_overwritten_after_transmit(monkeypatch):
    handed: list[list[int]] = []

    def transmit(hcard, protocol, command):
        handed.append(command)
        return pcsc.scard.SCARD_S_SUCCESS, [0x90, 0x00]

    monkeypatch.setattr(pcsc.scard, "SCardTransmit", transmit)
    apdu = bytearray(b"\x00\x20\x00\x80\x041234")
    assert pcsc.PcscConnection(1, 2).send_and_receive(apdu) == (b"", 0x9000)
    (command,) = handed
    assert command == [0] * len(apdu)


class OrderingGateway:
    """The simulated service, noting each call and whether a PIN had reached the card by then."""

    def __init__(self, inner: SimulatedGateway) -> None:
        self.inner = inner
        self.calls: list[str] = []
        self.card = None

    def reachable(self, timeout: float = 2.0) -> bool:
        return True

    def challenge(self):
        self.calls.append(f"challenge (PINs sent: {self.card.pin_presentations()})")
        return self.inner.challenge()

    def register(self, *args, **kwargs):
        self.calls.append(f"register (PINs sent: {self.card.pin_presentations()})")
        return self.inner.register(*args, **kwargs)


def test_the_nonce_is_fetched_when_the_pin_screen_shows_before_any_pin_is_typed(kiosk, tmp_path, pki, make_card):
    gateway = OrderingGateway(SimulatedGateway(tmp_path / "gw.sqlite3", [pki.ca_cert]))
    gateway.card = card = make_card("hanako")
    terminal, reader = kiosk(gateway, settings=settings())
    to_pin(terminal, reader, card)
    wait_until(lambda: gateway.calls, what="the nonce asked for on the PIN screen")
    assert step(terminal) == ("pin", None) and gateway.calls == ["challenge (PINs sent: 0)"]

    pin = bytearray(b"1234")
    terminal.submit_pin(pin)
    wait_until(lambda: step(terminal) == ("done", "registered"), what="the done screen")
    assert gateway.calls == ["challenge (PINs sent: 0)", "register (PINs sent: 1)"]  # no nonce after the PIN
    assert pin == bytearray(4)


def test_after_a_wrong_pin_a_fresh_nonce_is_ready_before_the_next_pin(kiosk, tmp_path, pki, make_card):
    gateway = OrderingGateway(SimulatedGateway(tmp_path / "gw.sqlite3", [pki.ca_cert]))
    gateway.card = card = make_card("hanako")
    terminal, reader = kiosk(gateway, settings=settings())
    to_pin(terminal, reader, card)
    terminal.submit_pin(bytearray(b"9999"))
    wait_until(lambda: step(terminal) == ("pin", "wrong_pin"), what="the wrong-PIN screen")
    wait_until(lambda: len(gateway.calls) == 2, what="a new nonce for the next try")
    terminal.submit_pin(bytearray(b"1234"))
    wait_until(lambda: step(terminal) == ("done", "registered"), what="the done screen")
    assert gateway.calls == ["challenge (PINs sent: 0)", "challenge (PINs sent: 1)", "register (PINs sent: 2)"]
