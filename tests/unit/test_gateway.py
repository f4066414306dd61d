"""The simulated gateway verifies the card's proof like the real relay would."""

from cryptography.hazmat.primitives import serialization

from drivers.mynumber import JpkiSession, digest_info_sha256
from drivers.virtualcard.inprocess import VirtualReader
from drivers.virtualcard.pki import VirtualPki
from kiosk.gateway import RegistrationStatus
from kiosk.gateway.simulator import SimulatedGateway


def proof(make_card, key, nonce):
    reader = VirtualReader()
    reader.insert(make_card(key))
    s = JpkiSession(reader.connect())
    cert = s.read_auth_certificate()
    s.verify_pin(b"1234" if key == "hanako" else b"7777")
    return cert, s.sign(digest_info_sha256(nonce))


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
    gw = SimulatedGateway(tmp_path / "gw.sqlite3", [pki.ca_cert], clock=lambda: now[0])
    nonce = gw.challenge().nonce
    now[0] += 3600
    cert, sig = proof(make_card, "hanako", nonce)
    assert gw.register(cert, sig, nonce, "v1", "t1").status == RegistrationStatus.NONCE_EXPIRED


def test_tampered_signature_and_foreign_ca_refused(tmp_path, pki, make_card):
    gw = SimulatedGateway(tmp_path / "gw.sqlite3", [pki.ca_cert])
    nonce = gw.challenge().nonce
    cert, sig = proof(make_card, "hanako", nonce)
    bad = bytes([sig[0] ^ 1]) + sig[1:]
    assert gw.register(cert, bad, nonce, "v1", "t1").status == RegistrationStatus.SIGNATURE_INVALID
    other = VirtualPki(tmp_path / "other-ca")
    foreign = SimulatedGateway(tmp_path / "gw2.sqlite3", [other.ca_cert])
    nonce = foreign.challenge().nonce
    cert, sig = proof(make_card, "hanako", nonce)
    assert foreign.register(cert, sig, nonce, "v1", "t1").status == RegistrationStatus.SIGNATURE_INVALID
    der = serialization.Encoding.DER
    assert other.ca_cert.public_bytes(der) != pki.ca_cert.public_bytes(der)


def test_expired_certificate_refused(tmp_path, pki, make_card):
    gw = SimulatedGateway(tmp_path / "gw.sqlite3", [pki.ca_cert])
    nonce = gw.challenge().nonce
    cert, sig = proof(make_card, "kazuko", nonce)
    assert gw.register(cert, sig, nonce, "v1", "t1").status == RegistrationStatus.CERTIFICATE_EXPIRED
