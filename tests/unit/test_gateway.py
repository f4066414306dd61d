"""The simulated gateway verifies the card's proof like the real relay would."""

import time

import pytest

from drivers.mynumber import JpkiSession, MyNumberCard, digest_info_sha256
from drivers.virtualcard.inprocess import VirtualReader
from drivers.virtualcard.pki import VirtualPki
from kiosk.gateway import RegistrationStatus, signed_payload
from kiosk.gateway.simulator import SimulatedGateway
from kiosk.visit.registration import inspect_card, prove_and_register
from tests.support.man_in_the_middle import ManInTheMiddle


def prove(card, pin: bytes, nonce: bytes, consent_version: str = "v1", terminal_id: str = "t1") -> tuple[bytes, bytes]:
    """What the kiosk sends: the card's certificate and its signature over the signed payload."""
    reader = VirtualReader()
    reader.insert(card)
    s = JpkiSession(reader.connect())
    cert = s.read_auth_certificate()
    s.verify_pin(pin)
    return cert, s.sign(digest_info_sha256(signed_payload(nonce, consent_version, terminal_id)))


def proof(make_card, key, nonce):
    return prove(make_card(key), b"1234" if key == "hanako" else b"7777", nonce)


def test_register_then_already_registered(tmp_path, pki, make_card):
    gw = SimulatedGateway(tmp_path / "gw.sqlite3", [pki.ca_cert])
    for expected in (RegistrationStatus.REGISTERED, RegistrationStatus.ALREADY_REGISTERED):
        nonce = gw.challenge().nonce
        cert, sig = proof(make_card, "hanako", nonce)
        assert gw.register(cert, sig, nonce, "v1", "t1").status == expected


def test_nonce_is_single_use_and_must_be_ours(tmp_path, pki, make_card):
    gw = SimulatedGateway(tmp_path / "gw.sqlite3", [pki.ca_cert])
    nonce = gw.challenge().nonce
    cert, sig = proof(make_card, "hanako", nonce)
    assert gw.register(cert, sig, nonce, "v1", "t1").status == RegistrationStatus.REGISTERED
    assert gw.register(cert, sig, nonce, "v1", "t1").status == RegistrationStatus.NONCE_EXPIRED
    cert, sig = proof(make_card, "hanako", b"made-up nonce")
    assert gw.register(cert, sig, b"made-up nonce", "v1", "t1").status == RegistrationStatus.NONCE_EXPIRED


def test_nonce_expires(tmp_path, pki, make_card):
    now = [1000.0]
    gw = SimulatedGateway(tmp_path / "gw.sqlite3", [pki.ca_cert], monotonic=lambda: now[0])
    nonce = gw.challenge().nonce
    now[0] += 3600
    cert, sig = proof(make_card, "hanako", nonce)
    assert gw.register(cert, sig, nonce, "v1", "t1").status == RegistrationStatus.NONCE_EXPIRED


def test_a_wall_clock_set_forward_does_not_expire_a_fresh_nonce(tmp_path, pki, make_card):
    wall = [time.time()]
    gw = SimulatedGateway(tmp_path / "gw.sqlite3", [pki.ca_cert], clock=lambda: wall[0])
    nonce = gw.challenge().nonce
    wall[0] += 3600  # NTP steps the clock an hour while the resident types the PIN
    cert, sig = proof(make_card, "hanako", nonce)
    assert gw.register(cert, sig, nonce, "v1", "t1").status == RegistrationStatus.REGISTERED


def test_tampered_signature_refused(tmp_path, pki, make_card):
    gw = SimulatedGateway(tmp_path / "gw.sqlite3", [pki.ca_cert])
    nonce = gw.challenge().nonce
    cert, sig = proof(make_card, "hanako", nonce)
    bad = bytes([sig[0] ^ 1]) + sig[1:]
    assert gw.register(cert, bad, nonce, "v1", "t1").status == RegistrationStatus.SIGNATURE_INVALID
    assert gw.registration_count() == 0


def test_a_card_of_a_foreign_ca_is_refused_for_its_ca(tmp_path, pki, residents):
    foreign_ca = VirtualPki(tmp_path / "other-ca")
    card = residents["hanako"].make_card(foreign_ca)  # a good card and PIN, issued by a CA we do not trust
    ours = SimulatedGateway(tmp_path / "ours.sqlite3", [pki.ca_cert])
    nonce = ours.challenge().nonce
    cert, sig = prove(card, b"1234", nonce)
    assert ours.register(cert, sig, nonce, "v1", "t1").status == RegistrationStatus.SIGNATURE_INVALID
    assert ours.registration_count() == 0
    # The same card and certificate pass where its CA is trusted: the refusal was for the CA.
    theirs = SimulatedGateway(tmp_path / "theirs.sqlite3", [foreign_ca.ca_cert])
    nonce = theirs.challenge().nonce
    same_cert, sig = prove(card, b"1234", nonce)
    assert same_cert == cert
    assert theirs.register(same_cert, sig, nonce, "v1", "t1").status == RegistrationStatus.REGISTERED


def test_expired_certificate_refused(tmp_path, pki, make_card):
    gw = SimulatedGateway(tmp_path / "gw.sqlite3", [pki.ca_cert])
    nonce = gw.challenge().nonce
    cert, sig = proof(make_card, "kazuko", nonce)
    assert gw.register(cert, sig, nonce, "v1", "t1").status == RegistrationStatus.CERTIFICATE_EXPIRED


def _crl(ca: VirtualPki, path, next_update_days: float) -> None:
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization

    now = dt.datetime.now(dt.UTC)
    crl = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(ca.ca_cert.subject)
        .last_update(now - dt.timedelta(days=2))
        .next_update(now + dt.timedelta(days=next_update_days))
        .sign(ca.ca_key, hashes.SHA256())
    )
    path.write_bytes(crl.public_bytes(serialization.Encoding.PEM))


def test_a_crl_that_cannot_be_trusted_fails_closed(tmp_path, pki, make_card):
    import pytest

    from kiosk.gateway import GatewayUnavailableError

    crl = tmp_path / "crl.pem"
    gw = SimulatedGateway(tmp_path / "gw.sqlite3", [pki.ca_cert], crl_path=crl)
    cases = {
        "missing": lambda: None,
        "unparsable": lambda: crl.write_text("not a CRL"),
        "past nextUpdate": lambda: _crl(pki, crl, -1),
        "signed by an untrusted CA": lambda: _crl(VirtualPki(tmp_path / "foreign"), crl, 1),
    }
    for case, make in cases.items():
        crl.unlink(missing_ok=True)
        make()
        nonce = gw.challenge().nonce
        cert, sig = proof(make_card, "hanako", nonce)
        with pytest.raises(GatewayUnavailableError):
            gw.register(cert, sig, nonce, "v1", "t1")
        assert gw.registration_count() == 0, case
    _crl(pki, crl, 1)  # a current CRL from our CA: registration goes through
    nonce = gw.challenge().nonce
    cert, sig = proof(make_card, "hanako", nonce)
    assert gw.register(cert, sig, nonce, "v1", "t1").status == RegistrationStatus.REGISTERED


def kiosk_registers(card, gateway, consent_version: str = "2026-11", terminal_id: str = "kiosk-01"):
    """The kiosk's own card steps and registration, as the terminal runs them."""
    reader = VirtualReader()
    reader.insert(card)
    in_hand = inspect_card(MyNumberCard(reader.connect()), b"k" * 32, 90)
    return prove_and_register(in_hand, bytearray(b"1234"), 3, gateway, consent_version, terminal_id)


def test_the_kiosks_registration_goes_through(tmp_path, pki, make_card):
    gw = SimulatedGateway(tmp_path / "gw.sqlite3", [pki.ca_cert])
    assert kiosk_registers(make_card("hanako"), gw).result.status == RegistrationStatus.REGISTERED
    assert gw.registration_count() == 1


@pytest.mark.parametrize("changed", [{"consent_version": "2020-01"}, {"terminal_id": "kiosk-99"}])
def test_a_consent_version_or_terminal_id_changed_after_signing_is_refused(tmp_path, pki, make_card, changed):
    """A man in the middle cannot pass the card's proof off with another consent or terminal."""
    gw = SimulatedGateway(tmp_path / "gw.sqlite3", [pki.ca_cert])
    outcome = kiosk_registers(make_card("hanako"), ManInTheMiddle(gw, **changed))
    assert outcome.result.status == RegistrationStatus.SIGNATURE_INVALID
    assert gw.registration_count() == 0


def test_the_signed_payload_cannot_be_read_two_ways():
    """Fields are length-prefixed under a version tag: moving bytes between fields changes it."""
    nonce = bytes(range(32))
    assert signed_payload(nonce, "ab", "c") != signed_payload(nonce, "a", "bc")
    assert signed_payload(nonce, "2026-11", "kiosk-01") == (
        b"madoguchi-registration-v1"
        + b"\x00\x20" + nonce
        + b"\x00\x07" + b"2026-11"
        + b"\x00\x08" + b"kiosk-01"
    )
