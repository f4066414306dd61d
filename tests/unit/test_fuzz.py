"""Bad input from a card: random bytes never crash the parsers; they become 'cannot read'."""

from __future__ import annotations

import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from drivers import tlv
from drivers.apdu import ApduProtocol, split_response
from drivers.errors import ApduError, CardError
from drivers.mynumber import KenhojoSession, MyNumberCard
from drivers.transport import SmartCardConnection
from kiosk.visit.flow import Reason
from kiosk.visit.registration import inspect_card, reason_for

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(st.binary(max_size=600))
def test_tlv_parser_raises_only_its_own_error(data):
    try:
        for tag, value in tlv.parse(data):
            assert isinstance(tag, int) and isinstance(value, bytes)
    except tlv.TlvError:
        pass


@FUZZ
@given(st.binary(max_size=300))
def test_response_split_never_crashes(data):
    try:
        body, sw = split_response(data)
        assert 0 <= sw <= 0xFFFF and body == data[:-2]
    except ApduError:
        assert len(data) < 2


class ScriptedCard(SmartCardConnection):
    """A 'card' answering every command from a list of random responses."""

    def __init__(self, answers: list[bytes]) -> None:
        self.answers = list(answers)

    def send_and_receive(self, apdu: bytes) -> tuple[bytes, int]:
        response = self.answers.pop(0) if self.answers else b"\x90\x00"
        if len(response) < 2:
            raise CardError("short response")
        return response[:-2], (response[-2] << 8) | response[-1]


@FUZZ
@given(st.lists(st.binary(min_size=0, max_size=300), min_size=1, max_size=40))
def test_a_card_answering_garbage_becomes_a_plain_card_error(answers):
    """SELECT, reads, tries-left: whatever comes back, only CardError subclasses escape, and
    the resident is told the card cannot be used (never a crash page)."""
    try:
        card = inspect_card(MyNumberCard(ApduProtocol(ScriptedCard(answers))), b"k" * 32, 90,
                            today=dt.datetime(2026, 11, 23, tzinfo=dt.UTC))  # fmt: skip
    except CardError as exc:
        assert reason_for(exc) in (Reason.NOT_MY_NUMBER_CARD, Reason.CARD_UNREADABLE, Reason.PIN_LOCKED,
                                   Reason.NO_PIN_SET)  # fmt: skip
    else:
        assert card.facts.tries_left is None or 0 <= card.facts.tries_left <= 15


@FUZZ
@given(st.binary(max_size=400))
def test_basic_info_garbage_never_yields_a_wrong_birth_date_silently(blob):
    answers = [b"\x90\x00", b"\x90\x00", b"\x63\xc3", b"\x90\x00", b"\x90\x00", blob[:8] + b"\x90\x00",
               blob[8:] + b"\x90\x00"]  # fmt: skip
    try:
        session = KenhojoSession(ApduProtocol(ScriptedCard(answers)))
        session.tries_left()
        session.verify_pin(b"1234")
        born = session.birth_date()
        assert isinstance(born, dt.date)
    except CardError:
        pass
