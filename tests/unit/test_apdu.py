"""APDU building, status words and response chaining, without a card."""

import pytest

from drivers.apdu import SW, ApduError, ApduProtocol, command, split_response, tries_from_sw
from drivers.transport import SmartCardConnection


def test_command_cases():
    assert command(0, 0xA4, 4, 0x0C, b"\x01\x02") == bytes.fromhex("00A4040C020102")
    assert command(0, 0xB0, 0, 0, le=256) == bytes.fromhex("00B0000000")
    assert command(0, 0x20, 0, 0x80) == bytes.fromhex("00200080")
    with pytest.raises(ValueError):
        command(0, 0, 0, 0, b"x" * 256)


def test_split_and_tries():
    assert split_response(bytes.fromhex("AABB9000")) == (b"\xaa\xbb", SW.OK)
    with pytest.raises(ApduError):
        split_response(b"\x90")
    assert tries_from_sw(0x63C2) == 2
    assert tries_from_sw(0x63C0) == 0
    assert tries_from_sw(0x6983) is None
    assert tries_from_sw(0x6300) is None


class Scripted(SmartCardConnection):
    def __init__(self, answers):
        self.answers = list(answers)
        self.sent = []

    def send_and_receive(self, apdu):
        self.sent.append(apdu)
        data, sw = self.answers.pop(0)
        return data, sw


def test_get_response_chaining_collects_all_data():
    conn = Scripted([(b"A" * 10, 0x6105), (b"B" * 5, 0x9000)])
    data = ApduProtocol(conn).send(command(0, 0xB0, 0, 0, le=15))
    assert data == b"A" * 10 + b"B" * 5
    assert conn.sent[1] == bytes.fromhex("00C0000005")


def test_wrong_le_resends_with_the_length_the_card_asked_for():
    conn = Scripted([(b"", 0x6C03), (b"xyz", 0x9000)])
    assert ApduProtocol(conn).send(command(0, 0xB0, 0, 0x10, le=256)) == b"xyz"
    assert conn.sent[1] == bytes.fromhex("00B0001003")


def test_endless_chaining_is_an_error_not_a_hang():
    conn = Scripted([(b"x", 0x6101)] * 100)
    with pytest.raises(ApduError):
        ApduProtocol(conn).send(command(0, 0xB0, 0, 0, le=1))


def test_error_status_raises_with_sw():
    conn = Scripted([(b"", 0x6982)])
    with pytest.raises(ApduError) as exc:
        ApduProtocol(conn).send(command(0, 0xB0, 0, 0, le=4))
    assert exc.value.sw == SW.SECURITY_STATUS_NOT_SATISFIED
