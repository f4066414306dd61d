"""A local test CA and the residents' JPKI keys and certificates.

Keys are made once and kept in a folder (RSA key generation is the slow part);
certificates are issued again on every load so that their validity stays relative to
today ('issued 10 days ago' stays true for a demo that runs for months), while their
serial numbers are stable so that a registration is remembered across restarts.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CA_FILE = "test-ca.pem"
CA_KEY_FILE = "test-ca.key"
UTC = dt.UTC


class PkiFileError(ValueError):
    """A key or certificate file of the test CA that cannot be read (garbage, cut short)."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path, self.reason = path, reason


@dataclass(frozen=True)
class CardCredentials:
    auth_key: rsa.RSAPrivateKey
    auth_cert: x509.Certificate
    sign_key: rsa.RSAPrivateKey
    sign_cert: x509.Certificate
    ca_cert: x509.Certificate


def _new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _load_or_create_key(path: Path) -> rsa.RSAPrivateKey:
    if path.exists():
        try:
            key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        except (ValueError, TypeError):
            raise PkiFileError(path, "not a PEM private key without a passphrase, or cut short") from None
        if not isinstance(key, rsa.RSAPrivateKey):
            raise PkiFileError(path, "not an RSA key")
        return key
    key = _new_key()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    tmp.chmod(0o600)
    tmp.replace(path)
    return key


class VirtualPki:
    """The test CA in ``directory`` (created on first use) and what it issues."""

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)
        self.ca_key = _load_or_create_key(self.directory / CA_KEY_FILE)
        ca_path = self.directory / CA_FILE
        if ca_path.exists():
            try:
                self.ca_cert = x509.load_pem_x509_certificate(ca_path.read_bytes())
            except ValueError:
                raise PkiFileError(ca_path, "not a PEM certificate, or cut short") from None
        else:
            self.ca_cert = self._make_ca()
            ca_path.write_bytes(self.ca_cert.public_bytes(serialization.Encoding.PEM))

    @property
    def ca_path(self) -> Path:
        return self.directory / CA_FILE

    def _make_ca(self) -> x509.Certificate:
        name = x509.Name(
            [
                x509.NameAttribute(NameOID.COUNTRY_NAME, "JP"),
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Madoguchi Kiosk TEST (not a real CA)"),
                x509.NameAttribute(NameOID.COMMON_NAME, "Madoguchi Test JPKI User Authentication CA"),
            ]
        )
        now = dt.datetime.now(UTC)
        return (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(self.ca_key.public_key())
            .serial_number(x509.random_serial_number())
            # Backdated so that certificates 'issued years ago' still chain inside its validity.
            .not_valid_before(now - dt.timedelta(days=365 * 12))
            .not_valid_after(now + dt.timedelta(days=365 * 20))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(
                x509.KeyUsage(False, False, False, False, False, True, True, False, False),
                critical=True,
            )
            .sign(self.ca_key, hashes.SHA256())
        )

    def _serial(self, label: str) -> int:
        digest = hashlib.sha256(self.ca_cert.fingerprint(hashes.SHA256()) + label.encode()).digest()
        return int.from_bytes(digest[:19], "big") | 1  # positive, < 2**159, never 0

    def _issue(
        self, label: str, key: rsa.RSAPrivateKey, not_before: dt.datetime, not_after: dt.datetime, usage: str
    ) -> x509.Certificate:
        # A JPKI user-authentication certificate carries no name or address: the subject
        # is an opaque identifier, as on the real card.
        subject = x509.Name(
            [
                x509.NameAttribute(NameOID.COUNTRY_NAME, "JP"),
                x509.NameAttribute(NameOID.COMMON_NAME, f"{usage}-{self._serial(label):x}"[:64]),
            ]
        )
        eku = ExtendedKeyUsageOID.CLIENT_AUTH if usage == "auth" else ExtendedKeyUsageOID.EMAIL_PROTECTION
        return (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(self.ca_cert.subject)
            .public_key(key.public_key())
            .serial_number(self._serial(label))
            .not_valid_before(not_before)
            .not_valid_after(not_after)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(True, usage == "sign", False, False, False, False, False, False, False),
                critical=True,
            )
            .add_extension(x509.ExtendedKeyUsage([eku]), critical=False)
            .sign(self.ca_key, hashes.SHA256())
        )

    def credentials(
        self, card_id: str, issued_days_ago: int, valid_days: int, today: dt.date | None = None
    ) -> CardCredentials:
        """Keys (kept) and certificates (issued now) for the card ``card_id``."""
        today = today or dt.datetime.now(UTC).date()
        midnight = dt.datetime.combine(today, dt.time(), UTC)
        not_before = midnight - dt.timedelta(days=issued_days_ago)
        not_after = not_before + dt.timedelta(days=valid_days)
        auth_key = _load_or_create_key(self.directory / "cards" / f"{card_id}.auth.key")
        sign_key = _load_or_create_key(self.directory / "cards" / f"{card_id}.sign.key")
        return CardCredentials(
            auth_key=auth_key,
            auth_cert=self._issue(f"{card_id}/auth", auth_key, not_before, not_after, "auth"),
            sign_key=sign_key,
            sign_cert=self._issue(f"{card_id}/sign", sign_key, not_before, not_after, "sign"),
            ca_cert=self.ca_cert,
        )
