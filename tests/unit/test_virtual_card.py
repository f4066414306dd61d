"""The virtual card answers each APDU of shared/docs/card.md like the real card."""

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from drivers.mynumber import digest_info_sha256

SELECT_JPKI = bytes.fromhex("00A4040C0AD392F000260100000001")
SELECT_KENHOJO = bytes.fromhex("00A4040C0AD3921000310001010408")


def sel(fid: str) -> bytes:
    return bytes.fromhex("00A4020C02" + fid)


def verify(pin: str = "") -> bytes:
    data = pin.encode()
    return bytes.fromhex("00200080") + (bytes([len(data)]) + data if data else b"")


@pytest.fixture
def card(make_card):
    c = make_card("hanako")  # PIN 1234, 3 tries
    c.reset()
    return c


def sw(resp: bytes) -> str:
    return resp[-2:].hex().upper()


def test_select_jpki_and_unknown_aid(card):
    assert sw(card.transmit(SELECT_JPKI)) == "9000"
    assert sw(card.transmit(bytes.fromhex("00A4040C05A000000001"))) == "6A82"
    assert sw(card.transmit(sel("00FF"))) == "6A82"


def test_token_info_and_free_certificate(card):
    card.transmit(SELECT_JPKI)
    card.transmit(sel("0006"))
    assert card.transmit(bytes.fromhex("00B0000014"))[:-2].startswith(b"JPKIAPICCTOKEN2")
    card.transmit(sel("000A"))
    head = card.transmit(bytes.fromhex("00B0000004"))
    assert head[:2] == b"\x30\x82" and sw(head) == "9000"
    total = int.from_bytes(head[2:4], "big") + 4
    assert sw(card.transmit(bytes([0, 0xB0, total >> 8, total & 0xFF, 1]))) == "6B00"  # beyond the file


def test_tries_left_counts_down_and_locks_at_zero(card):
    card.transmit(SELECT_JPKI)
    card.transmit(sel("0018"))
    assert sw(card.transmit(verify())) == "63C3"  # asking spends nothing
    assert sw(card.transmit(verify())) == "63C3"
    assert sw(card.transmit(verify("0000"))) == "63C2"
    assert sw(card.transmit(verify("0000"))) == "63C1"
    assert sw(card.transmit(verify("0000"))) == "63C0"
    assert sw(card.transmit(verify("1234"))) == "6984"  # locked: even the right PIN fails
    assert sw(card.transmit(verify())) == "6984"
    assert card.tries_left() == 0


def test_correct_pin_resets_counter(card):
    card.transmit(SELECT_JPKI)
    card.transmit(sel("0018"))
    card.transmit(verify("9999"))
    assert sw(card.transmit(verify("1234"))) == "9000"
    assert card.tries_left() == 3


def test_signature_needs_pin_and_verifies_with_certificate(card):
    card.transmit(SELECT_JPKI)
    card.transmit(sel("000A"))
    der = b""
    while True:
        r = card.transmit(bytes([0, 0xB0, len(der) >> 8, len(der) & 0xFF, 0]))
        if sw(r) != "9000":
            break
        der += r[:-2]
    cert = x509.load_der_x509_certificate(der)
    di = digest_info_sha256(b"nonce")
    sign = bytes.fromhex("802A0080") + bytes([len(di)]) + di + b"\x00"
    card.transmit(sel("0017"))
    assert sw(card.transmit(sign)) == "6982"
    card.transmit(sel("0018"))
    card.transmit(verify("1234"))
    card.transmit(sel("0017"))
    r = card.transmit(sign)
    assert sw(r) == "9000" and len(r) == 258
    cert.public_key().verify(r[:-2], b"nonce", padding.PKCS1v15(), hashes.SHA256())


def test_signature_files_exist_with_five_tries(card):
    card.transmit(SELECT_JPKI)
    card.transmit(sel("001B"))
    assert sw(card.transmit(verify())) == "63C5"
    card.transmit(sel("0001"))
    assert sw(card.transmit(bytes.fromhex("00B0000004"))) == "6982"  # signature cert needs its PIN
    card.transmit(sel("0002"))
    assert sw(card.transmit(bytes.fromhex("00B0000004"))) == "9000"


def test_kenhojo_basic_info_needs_its_own_pin(card):
    assert sw(card.transmit(SELECT_KENHOJO)) == "9000"
    card.transmit(sel("0002"))
    assert sw(card.transmit(bytes.fromhex("00B0000010"))) == "6982"
    card.transmit(sel("0011"))
    assert sw(card.transmit(verify())) == "63C3"


def test_security_state_cleared_by_reset(card):
    card.transmit(SELECT_JPKI)
    card.transmit(sel("0018"))
    card.transmit(verify("1234"))
    card.reset()
    card.transmit(SELECT_JPKI)
    card.transmit(sel("0017"))
    di = digest_info_sha256(b"x")
    assert sw(card.transmit(bytes.fromhex("802A0080") + bytes([len(di)]) + di + b"\x00")) == "6982"


def test_face_auth_card_has_no_pin(make_card):
    c = make_card("tomoko")
    c.reset()
    c.transmit(SELECT_JPKI)
    c.transmit(sel("0018"))
    assert sw(c.transmit(verify())) not in ("9000", "6983", "6984") and not sw(c.transmit(verify())).startswith("63C")


def test_other_card_fails_jpki_select(make_card):
    assert sw(make_card("bankcard").transmit(SELECT_JPKI)) == "6A82"


def test_malformed_apdus_answer_wrong_length(card):
    assert sw(card.transmit(b"\x00\xa4")) == "6700"
    assert sw(card.transmit(bytes.fromhex("00A4040C0AD392"))) == "6700"


@pytest.mark.parametrize(
    ("quirk", "answer"), [(None, "9000"), ("eof_warning", "6282"), ("strict_le", "6B00"), ("wrong_le", "6C5D")]
)
def test_a_read_running_past_the_end_of_a_file(make_card, quirk, answer):
    """card.md: 6B 00 for an offset beyond the file. A read that starts inside and runs past the
    end answers the bytes there are (ISO 7816-4 allows 90 00 or 62 82), or refuses, per card."""
    c = make_card("hanako", frozenset({quirk} if quirk else ()))
    c.reset()
    c.transmit(SELECT_KENHOJO)
    c.transmit(sel("0011"))
    c.transmit(verify("1234"))
    c.transmit(sel("0002"))
    resp = c.transmit(bytes.fromhex("00B0000000"))  # Le 00 = 256, the file holds 93
    assert sw(resp) == answer
    assert len(resp) - 2 == (len(c.basic_info) if answer in ("9000", "6282") else 0)
