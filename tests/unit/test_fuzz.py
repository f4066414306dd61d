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


def _reference_tlv(data: bytes, pos: int) -> tuple[bytes, bytes, int] | None:
    """One BER-TLV at ``pos`` as (tag bytes, value, end), or None if malformed. Written apart
    from drivers.tlv on purpose: one parser checks the other."""
    tag_end = pos + 1
    if data[pos] & 0x1F == 0x1F:  # multi-byte tag: following bytes with bit 8 set continue it
        while tag_end < len(data) and data[tag_end] & 0x80:
            tag_end += 1
        tag_end += 1
    if tag_end - pos > 3 or tag_end >= len(data):  # the card uses no tag longer than 3 bytes
        return None
    length, start = data[tag_end], tag_end + 1
    if length == 0x80 or length > 0x83:  # indefinite, or more than 3 length bytes: not in this EF
        return None
    if length > 0x80:
        count = length - 0x80
        length, start = int.from_bytes(data[start : start + count], "big"), start + count
        if start > len(data):
            return None
    if start + length > len(data):
        return None
    return data[pos:tag_end], data[start : start + length], start + length


def _reference_tlvs(data: bytes) -> list[tuple[bytes, bytes]] | None:
    found, pos = [], 0
    while pos < len(data) and set(data[pos:]) not in ({0x00}, {0xFF}):  # fill after the last object
        one = _reference_tlv(data, pos)
        if one is None:
            return None
        found.append(one[:2])
        pos = one[2]
    return found


def reference_birth_date(ef: bytes) -> bytes | None:
    """The DF24 value when ``ef`` starts with a well-formed FF20 object holding exactly one DF24
    (the EF may go on after the object)."""
    outer = _reference_tlv(ef, 0) if ef else None
    inner = _reference_tlvs(outer[1]) if outer and outer[0] == b"\xff\x20" else None
    dates = [value for tag, value in inner or [] if tag == b"\xdf\x24"]
    return dates[0] if len(dates) == 1 else None


def _length(n: int, form: str) -> bytes:
    return {"short": bytes([n & 0x7F]), "81": bytes([0x81, n & 0xFF]), "82": bytes([0x82]) + n.to_bytes(2, "big")}[form]


DATES = st.dates(dt.date(1900, 1, 1), dt.date(2026, 12, 31)).map(lambda d: d.strftime("%Y%m%d").encode())


@st.composite
def bent_dates(draw) -> bytes:
    """A date one character off: what int() would still read ('+944', ' 944', '1_944')."""
    date, at = draw(DATES), draw(st.integers(0, 8))
    char = draw(st.sampled_from([b" ", b"+", b"-", b"_", b"0", b"9", b"\x00"]))
    return date[:at] + char + date[at + draw(st.integers(0, 1)) :]


DIGITS = st.one_of(DATES, bent_dates(), st.text("0123456789 +-_.１١", max_size=10).map(str.encode),
                   st.binary(max_size=10))  # fmt: skip
FIELD = st.tuples(st.sampled_from([0xDF21, 0xDF22, 0xDF23, 0xDF25, 0x5A, 0xDF24]), st.binary(max_size=40))


@st.composite
def basic_info_blobs(draw) -> bytes:
    """What EF 0002 might hold: the basic 4 info, now and then bent (tags, lengths, cuts, fill)."""
    fields = draw(st.lists(FIELD, max_size=3)) + [(0xDF24, draw(DIGITS))] + draw(st.lists(FIELD, max_size=3))
    inner = b"".join(tlv.encode(tag, value) for tag, value in fields)
    tag = draw(st.sampled_from([b"\xff\x20"] * 4 + [b"\xff\x21", b"\xdf\x24", b"\x30"]))
    declared = len(inner) + draw(st.sampled_from([0] * 6 + [-2, -1, 1, 2]))
    form = draw(st.sampled_from(["short", "81", "82"] if 0 <= declared < 0x80 else ["81", "82"]))
    blob = tag + _length(max(declared, 0), form) + inner
    blob = blob[: draw(st.integers(0, len(blob)))] if draw(st.booleans()) and draw(st.booleans()) else blob
    return blob + draw(st.sampled_from([b"", b"\x00" * 16, b"\xff" * 16]) | st.binary(max_size=16))


@FUZZ
@given(st.one_of(basic_info_blobs(), st.binary(max_size=400)))
def test_basic_info_garbage_never_yields_a_wrong_birth_date_silently(blob):
    """A date comes back only when the EF really holds it as the one DF24 of a well-formed
    FF20 object; anything else is a CardError (the age band is then left unknown)."""
    answers = [b"\x90\x00", b"\x90\x00", b"\x63\xc3", b"\x90\x00", b"\x90\x00", blob[:8] + b"\x90\x00",
               blob[8:] + b"\x90\x00"]  # fmt: skip
    expected = reference_birth_date(blob)
    try:
        session = KenhojoSession(ApduProtocol(ScriptedCard(answers)))
        session.tries_left()
        session.verify_pin(b"1234")
        born = session.birth_date()
    except CardError:
        born = None
    digits = f"{born.year:04d}{born.month:02d}{born.day:02d}".encode() if born else None
    assert born is None or digits == expected, (born, expected)
    if expected is not None and expected.isdigit() and len(expected) == 8:
        try:
            real = dt.date(int(expected[:4]), int(expected[4:6]), int(expected[6:]))
        except ValueError:
            real = None
        assert born == real  # a readable date is not thrown away either
