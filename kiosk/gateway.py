"""The registration gateway: the boundary between the kiosk and the national system.

The kiosk proves the card (certificate + a signature over a fresh nonce) and the gateway
decides. ``SimulatedGateway`` does what the real relay does, locally, for demo and tests.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import enum
import hashlib
import secrets
import sqlite3
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

NONCE_LIFETIME_SECONDS = 120


class RegistrationStatus(enum.StrEnum):
    REGISTERED = "registered"
    ALREADY_REGISTERED = "already_registered"
    CERTIFICATE_EXPIRED = "certificate_expired"
    CERTIFICATE_REVOKED = "certificate_revoked"
    SIGNATURE_INVALID = "signature_invalid"
    NONCE_EXPIRED = "nonce_expired"


@dataclass(frozen=True)
class Challenge:
    nonce: bytes
    expires_at: float


@dataclass(frozen=True)
class RegistrationResult:
    status: RegistrationStatus
    registration_id: str | None = None


class GatewayUnavailableError(Exception):
    """The registration service did not answer; nothing was registered."""


class RegistrationGateway(Protocol):
    def challenge(self) -> Challenge: ...

    def register(
        self, certificate: bytes, signature: bytes, nonce: bytes, consent_version: str, terminal_id: str
    ) -> RegistrationResult: ...


def load_ca_certificates(paths: list[str]) -> list[x509.Certificate]:
    certs: list[x509.Certificate] = []
    for path in paths:
        certs.extend(x509.load_pem_x509_certificates(Path(path).read_bytes()))
    return certs


class SimulatedGateway:
    """Verifies like the real service; remembers registrations in a SQLite file."""

    def __init__(self, db_path: str | Path, ca_certs: list[x509.Certificate], clock=time.time) -> None:
        if not ca_certs:
            raise ValueError("the simulated gateway needs at least one CA certificate")
        self.db_path = str(db_path)
        self.ca_certs = ca_certs
        self.clock = clock
        self._nonces: dict[bytes, float] = {}
        self._lock = threading.Lock()
        with self._db() as db:
            db.execute(
                "CREATE TABLE IF NOT EXISTS registrations ("
                " card_key TEXT PRIMARY KEY, registration_id TEXT NOT NULL,"
                " registered_at TEXT NOT NULL, consent_version TEXT, terminal_id TEXT)"
            )

    @contextlib.contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        """One transaction on a connection that is closed afterwards (no leaked handles)."""
        db = sqlite3.connect(self.db_path, timeout=10)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            with db:
                yield db
        finally:
            db.close()

    def registration_count(self) -> int:
        with self._db() as db:
            return db.execute("SELECT count(*) FROM registrations").fetchone()[0]

    def challenge(self) -> Challenge:
        nonce = secrets.token_bytes(32)
        expires = self.clock() + NONCE_LIFETIME_SECONDS
        with self._lock:
            now = self.clock()
            self._nonces = {n: t for n, t in self._nonces.items() if t > now}
            self._nonces[nonce] = expires
        return Challenge(nonce, expires)

    def register(
        self, certificate: bytes, signature: bytes, nonce: bytes, consent_version: str, terminal_id: str
    ) -> RegistrationResult:
        with self._lock:
            expires = self._nonces.pop(nonce, None)  # single use, whatever the outcome
        if expires is None or expires < self.clock():
            return RegistrationResult(RegistrationStatus.NONCE_EXPIRED)
        try:
            cert = x509.load_der_x509_certificate(certificate)
        except ValueError:
            return RegistrationResult(RegistrationStatus.SIGNATURE_INVALID)
        if not self._chains(cert):
            return RegistrationResult(RegistrationStatus.SIGNATURE_INVALID)
        now = dt.datetime.fromtimestamp(self.clock(), dt.UTC)
        if not cert.not_valid_before_utc <= now <= cert.not_valid_after_utc:
            return RegistrationResult(RegistrationStatus.CERTIFICATE_EXPIRED)
        key = cert.public_key()
        try:
            assert isinstance(key, rsa.RSAPublicKey)
            key.verify(signature, nonce, padding.PKCS1v15(), hashes.SHA256())
        except (InvalidSignature, AssertionError):
            return RegistrationResult(RegistrationStatus.SIGNATURE_INVALID)
        card_key = hashlib.sha256(cert.issuer.public_bytes() + cert.serial_number.to_bytes(20, "big")).hexdigest()
        registration_id = "REG-" + secrets.token_hex(8)
        with self._db() as db:
            row = db.execute("SELECT registration_id FROM registrations WHERE card_key = ?", (card_key,)).fetchone()
            if row:
                return RegistrationResult(RegistrationStatus.ALREADY_REGISTERED, row[0])
            db.execute(
                "INSERT INTO registrations VALUES (?, ?, ?, ?, ?)",
                (card_key, registration_id, now.isoformat(), consent_version, terminal_id),
            )
        return RegistrationResult(RegistrationStatus.REGISTERED, registration_id)

    def _chains(self, cert: x509.Certificate) -> bool:
        for ca in self.ca_certs:
            try:
                cert.verify_directly_issued_by(ca)
                return True
            except (ValueError, TypeError, InvalidSignature):
                continue
        return False
