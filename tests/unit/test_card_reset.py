"""The in-process card after the card steps: locked again for any other client of the reader."""

import pytest

from drivers.errors import WrongPinError
from drivers.mynumber import MyNumberCard
from drivers.virtualcard.inprocess import VirtualReader
from kiosk.visit.registration import inspect_card, prove, prove_and_register
from tests.support.other_program import assert_nothing_stolen, steal


def card_in_reader(make_card, key="hanako"):
    reader = VirtualReader()
    card = make_card(key)
    reader.insert(card)
    return reader, card, inspect_card(MyNumberCard(reader.connect()), b"k" * 32, 90)


def other_client(reader: VirtualReader):
    """A second connection to the same card, as another program on the kiosk would open."""
    connection = reader.connect()
    return lambda apdu: connection.send_and_receive(apdu)[1]


@pytest.mark.parametrize("read_age", [True, False])
def test_after_a_registration_another_client_can_neither_read_nor_sign(make_card, tmp_path, pki, read_age):
    from kiosk.gateway.simulator import SimulatedGateway

    reader, card, in_hand = card_in_reader(make_card)
    gateway = SimulatedGateway(tmp_path / "gw.sqlite3", [pki.ca_cert])
    outcome = prove_and_register(in_hand, bytearray(b"1234"), 3, gateway, "v", "t", read_age)
    assert outcome.result.status == "registered"
    assert card.pin_presentations("auth") == 1
    assert_nothing_stolen(steal(other_client(reader)))


def test_steps_that_fail_after_the_verify_still_reset_the_card(make_card):
    reader, card, in_hand = card_in_reader(make_card)
    with pytest.raises(RuntimeError), in_hand.session.held_then_reset() as session:
        session.verify_pin(bytearray(b"1234"))
        raise RuntimeError("the steps broke off after the VERIFY")
    assert_nothing_stolen(steal(other_client(reader)))


def test_after_a_wrong_pin_and_a_reset_the_right_pin_still_signs(make_card):
    """The reset drops the selected application: the sessions select theirs again."""
    reader, card, in_hand = card_in_reader(make_card)
    with pytest.raises(WrongPinError):
        prove(in_hand, bytearray(b"0000"), 3, b"nonce", read_age=False)
    proof = prove(in_hand, bytearray(b"1234"), 2, b"nonce", read_age=True)
    assert proof.signature and proof.age_band == "75+"
    assert card.tries_left() == 3
    assert_nothing_stolen(steal(other_client(reader)))
