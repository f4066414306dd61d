"""The card steps of a registration: the PIN is wiped before any network wait."""

import pytest

from drivers.mynumber import MyNumberCard
from drivers.virtualcard.inprocess import VirtualReader
from kiosk.gateway import GatewayUnavailableError
from kiosk.visit.registration import inspect_card, prove_and_register


class DownGateway:
    def challenge(self):
        raise GatewayUnavailableError("down")

    def register(self, *args, **kwargs):
        raise AssertionError("never reached")


class RegisterWatchingGateway:
    """Records whether the PIN buffer was already wiped when registration went out."""

    def __init__(self, inner, pin: bytearray) -> None:
        self.inner, self.pin, self.pin_at_register = inner, pin, None

    def challenge(self):
        return self.inner.challenge()

    def register(self, *args, **kwargs):
        self.pin_at_register = bytes(self.pin)
        return self.inner.register(*args, **kwargs)


def card_in_reader(make_card, key="hanako"):
    reader = VirtualReader()
    card = make_card(key)
    reader.insert(card)
    return card, inspect_card(MyNumberCard(reader.connect()), b"k" * 32, 90)


def test_an_unreachable_gateway_costs_nothing_on_the_card_and_the_pin_is_wiped(make_card):
    card, in_hand = card_in_reader(make_card)
    pin = bytearray(b"1234")
    with pytest.raises(GatewayUnavailableError):
        prove_and_register(in_hand, pin, 3, DownGateway(), "v", "t")
    assert pin == bytearray(4) and card.pin_presentations() == 0


def test_the_pin_is_wiped_before_the_registration_goes_out(make_card, tmp_path, pki):
    from kiosk.gateway.simulator import SimulatedGateway

    card, in_hand = card_in_reader(make_card)
    pin = bytearray(b"1234")
    gateway = RegisterWatchingGateway(SimulatedGateway(tmp_path / "gw.sqlite3", [pki.ca_cert]), pin)
    outcome = prove_and_register(in_hand, pin, 3, gateway, "v", "t", read_age=True)
    assert outcome.result.status == "registered" and outcome.age_band == "75+"
    assert gateway.pin_at_register == bytes(4)


def test_a_registration_with_age_band_costs_the_card_md_minimum_of_18_apdus(make_card, tmp_path, pki):
    """Card in → certificate, tries left, VERIFY, signature, age band: 18 APDUs, as many as the
    bench's minimum derived from card.md (the certificate in 4 reads, the basic info in 1)."""
    from bench.card_apdus import minimum_apdus
    from kiosk.gateway.simulator import SimulatedGateway

    reader = VirtualReader()
    card = make_card("hanako")
    reader.insert(card)
    in_hand = inspect_card(MyNumberCard(reader.connect()), b"k" * 32, 90)
    gateway = SimulatedGateway(tmp_path / "gw.sqlite3", [pki.ca_cert])
    outcome = prove_and_register(in_hand, bytearray(b"1234"), 3, gateway, "v", "t", read_age=True)
    assert outcome.result.status == "registered" and outcome.age_band == "75+"
    assert sum(minimum_apdus(len(card.auth_certificate), len(card.basic_info)).values()) == 18
    assert len(reader.apdu_log) == 18
