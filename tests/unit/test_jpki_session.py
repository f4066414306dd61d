"""The JPKI and kenhojo sessions against the virtual card, in-process (fast)."""

import datetime as dt

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from drivers.errors import (
    CardRemovedError,
    NoPinSetError,
    NotMyNumberCardError,
    PinLockedError,
    PinNotVerifiedError,
    WrongPinError,
)
from drivers.mynumber import JpkiSession, KenhojoSession, MyNumberCard, digest_info_sha256
from drivers.virtualcard.inprocess import VirtualReader


@pytest.fixture
def reader():
    return VirtualReader()


def session_for(reader, card) -> JpkiSession:
    reader.insert(card)
    return JpkiSession(reader.connect())


def test_read_certificate_verify_and_sign(reader, make_card):
    s = session_for(reader, make_card("hanako"))
    cert = x509.load_der_x509_certificate(s.read_auth_certificate())
    assert s.tries_left() == 3
    s.verify_pin(b"1234")
    sig = s.sign(digest_info_sha256(b"challenge"))
    cert.public_key().verify(sig, b"challenge", padding.PKCS1v15(), hashes.SHA256())


QUIRKS = ["get_response", "wrong_le", "eof_warning", "strict_le"]


@pytest.mark.parametrize("quirks", [frozenset({q}) for q in QUIRKS])
def test_driver_copes_with_chaining_cards(reader, make_card, quirks):
    plain = session_for(reader, make_card("hanako")).read_auth_certificate()
    s = session_for(reader, make_card("hanako", quirks))
    assert s.read_auth_certificate() == plain
    s.verify_pin(b"1234")
    assert len(s.sign(digest_info_sha256(b"n"))) == 256


def test_wrong_pin_counts_down_then_locks(reader, make_card):
    s = session_for(reader, make_card("hanako"))
    for expected in (2, 1):
        with pytest.raises(WrongPinError) as exc:
            s.verify_pin(b"0000")
        assert exc.value.tries_left == expected
        assert s.tries_left() == expected
    with pytest.raises(PinLockedError):
        s.verify_pin(b"0000")
    assert s.tries_left() == 0


def test_sign_without_pin_is_refused(reader, make_card):
    with pytest.raises(PinNotVerifiedError):
        session_for(reader, make_card("hanako")).sign(digest_info_sha256(b"x"))


def test_pin_format_checked_before_any_card_traffic(reader, make_card):
    s = session_for(reader, make_card("hanako"))
    sent = len(reader.apdu_log)
    for bad in (b"123", b"12345", b"12a4", "١٢٣٤".encode()):
        with pytest.raises(ValueError):
            s.verify_pin(bad)
    assert len(reader.apdu_log) == sent


def test_locked_and_no_pin_cards(reader, make_card):
    assert session_for(reader, make_card("jiro")).tries_left() == 0
    with pytest.raises(NoPinSetError):
        session_for(reader, make_card("tomoko")).tries_left()


def test_not_a_my_number_card(reader, make_card):
    reader.insert(make_card("bankcard"))
    with pytest.raises(NotMyNumberCardError):
        JpkiSession(reader.connect())


def test_removed_card_raises_card_removed(reader, make_card):
    s = session_for(reader, make_card("hanako"))
    reader.remove()
    with pytest.raises(CardRemovedError):
        s.tries_left()


def test_no_redundant_select(reader, make_card):
    s = session_for(reader, make_card("hanako"))
    s.tries_left()
    s.verify_pin(b"1234")
    selects = [h for h in reader.apdu_log if h[1] == 0xA4]
    assert len(selects) == 2  # the AP, then EF 0018 once


def test_birth_date_from_kenhojo_never_touches_my_number_ef(reader, make_card):
    card = make_card("hanako")
    reader.insert(card)
    k = KenhojoSession(reader.connect())
    assert k.tries_left() == 3
    k.verify_pin(b"1234")
    assert k.birth_date() == dt.date(1944, 5, 12)
    assert ("EF", 0x0001) not in card.audit


@pytest.mark.parametrize("quirks", [frozenset()] + [frozenset({q}) for q in QUIRKS])
def test_short_basic_info_is_read_however_the_card_ends_a_short_read(reader, make_card, quirks):
    """EF 0002 is shorter than one 256-byte read: a short answer, 62 82, 6C xx or 6B 00 all work."""
    reader.insert(make_card("hanako", quirks))
    k = KenhojoSession(reader.connect())
    k.verify_pin(b"1234")
    assert k.birth_date() == dt.date(1944, 5, 12)


def test_files_cost_one_read_per_256_bytes_and_no_header_read(reader, make_card):
    card = make_card("hanako")
    reader.insert(card)
    s = MyNumberCard(reader.connect())
    before = len(reader.apdu_log)
    assert s.read_auth_certificate() == card.auth_certificate
    reads = [h for h in reader.apdu_log[before:] if h[1] == 0xB0]
    assert len(reads) == -(-len(card.auth_certificate) // 256)  # ceil: a partial last chunk included
    s.kenhojo.verify_pin(b"1234")
    before = len(reader.apdu_log)
    s.kenhojo.birth_date()
    assert [h[1] for h in reader.apdu_log[before:]] == [0xA4, 0xB0]  # select EF 0002, one read


def test_the_card_facade_moves_between_applications_by_itself(reader, make_card):
    """JPKI, then 券面事項入力補助AP, then JPKI again: each session selects its AP when needed,
    and a PIN verified in one AP is not taken for verified in the other."""
    reader.insert(make_card("hanako"))
    card = MyNumberCard(reader.connect())
    card.verify_pin(b"1234")
    assert card.kenhojo.tries_left() == 3
    card.kenhojo.verify_pin(b"1234")
    assert card.kenhojo.birth_date() == dt.date(1944, 5, 12)
    assert card.tries_left() == 3  # JPKI selected again: its PIN is unverified once more
    with pytest.raises(PinNotVerifiedError):
        card.sign(digest_info_sha256(b"x"))
    card.verify_pin(b"1234")
    assert len(card.sign(digest_info_sha256(b"x"))) == 256
    selects = [h for h in reader.apdu_log if h[1:3] == bytes([0xA4, 0x04])]
    assert len(selects) == 3  # JPKI, 券面事項入力補助AP, JPKI: no redundant SELECT by AID
