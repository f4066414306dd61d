"""A local registration service: what the real relay does, for demo, training and tests."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import threading
import time
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from kiosk.gateway import (
    Challenge,
    GatewayUnavailableError,
    RegistrationResult,
    RegistrationStatus,
    signed_payload,
)
from kiosk.settings import Settings
from kiosk.sqlite_db import transaction


def load_ca_certificates(paths: list[str]) -> list[x509.Certificate]:
    certs: list[x509.Certificate] = []
    for path in paths:
        certs.extend(x509.load_pem_x509_certificates(Path(path).read_bytes()))
    return certs


class IdempotencyConflictError(Exception):
    """An Idempotency-Key already used for a request with another body."""


def request_hash(certificate: bytes, signature: bytes, nonce: bytes, consent_version: str, terminal_id: str) -> str:
    """SHA-256 over the request's fields, each length-prefixed so no two requests collide."""
    digest = hashlib.sha256()
    for part in (certificate, signature, nonce, consent_version.encode(), terminal_id.encode()):
        digest.update(len(part).to_bytes(4, "big") + part)
    return digest.hexdigest()


class SimulatedGateway:
    """Verifies like the real service; remembers registrations in a SQLite file."""

    def __init__(
        self,
        db_path: str | Path,
        ca_certs: list[x509.Certificate],
        clock=time.time,
        crl_path: str | Path | None = None,
        nonce_lifetime: float = Settings.gateway_nonce_seconds,
        monotonic=time.monotonic,
    ) -> None:
        """``clock`` (wall) stamps what is stored and told to clients; nonce lifetimes run on
        ``monotonic``, so setting the system clock neither stretches nor cuts them."""
        if not ca_certs:
            raise ValueError("the simulated gateway needs at least one CA certificate")
        self.db_path = str(db_path)
        self.ca_certs = ca_certs
        self.clock = clock
        self.monotonic = monotonic
        self.nonce_lifetime = nonce_lifetime
        self.crl_path = Path(crl_path) if crl_path else None
        self._crl_stamp: float | None = None
        self._crl: x509.CertificateRevocationList | None = None
        self._nonces: dict[bytes, float] = {}
        self._lock = threading.RLock()
        with self._db() as db:
            db.execute(
                "CREATE TABLE IF NOT EXISTS registrations ("
                " card_key TEXT PRIMARY KEY, registration_id TEXT NOT NULL,"
                " registered_at TEXT NOT NULL, consent_version TEXT, terminal_id TEXT)"
            )
            db.execute(
                "CREATE TABLE IF NOT EXISTS idempotency ("
                " key TEXT PRIMARY KEY, status TEXT NOT NULL, registration_id TEXT, created_at TEXT NOT NULL,"
                " body_hash TEXT)"
            )
            # Files made before the key was bound to its body: their old keys match nothing.
            if "body_hash" not in {row[1] for row in db.execute("PRAGMA table_info(idempotency)")}:
                db.execute("ALTER TABLE idempotency ADD COLUMN body_hash TEXT")

    def _db(self):
        return transaction(self.db_path)

    def registration_count(self) -> int:
        with self._db() as db:
            return db.execute("SELECT count(*) FROM registrations").fetchone()[0]

    def reachable(self, timeout: float = 2.0) -> bool:
        return True  # in this process

    def challenge(self) -> Challenge:
        nonce = secrets.token_bytes(32)
        with self._lock:
            now = self.monotonic()
            self._nonces = {n: t for n, t in self._nonces.items() if t > now}
            self._nonces[nonce] = now + self.nonce_lifetime
        return Challenge(nonce, self.clock() + self.nonce_lifetime)

    def register(
        self,
        certificate: bytes,
        signature: bytes,
        nonce: bytes,
        consent_version: str,
        terminal_id: str,
        idempotency_key: str | None = None,
    ) -> RegistrationResult:
        """Decide once per idempotency key: a retried request gets the first answer back; the
        same key with another body raises IdempotencyConflictError (never the first answer)."""
        if idempotency_key is None:
            return self._register(certificate, signature, nonce, consent_version, terminal_id)
        body_hash = request_hash(certificate, signature, nonce, consent_version, terminal_id)
        with self._lock:  # one decision per key, even for two retries racing
            with self._db() as db:
                row = db.execute(
                    "SELECT status, registration_id, body_hash FROM idempotency WHERE key = ?", (idempotency_key,)
                ).fetchone()
            if row:
                if row[2] != body_hash:
                    raise IdempotencyConflictError(idempotency_key)
                return RegistrationResult(RegistrationStatus(row[0]), row[1])
            result = self._register(certificate, signature, nonce, consent_version, terminal_id)
            with self._db() as db:
                db.execute(
                    "INSERT INTO idempotency (key, status, registration_id, created_at, body_hash)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (idempotency_key, result.status.value, result.registration_id,
                     dt.datetime.fromtimestamp(self.clock(), dt.UTC).isoformat(), body_hash),
                )  # fmt: skip
            return result

    def _register(
        self, certificate: bytes, signature: bytes, nonce: bytes, consent_version: str, terminal_id: str
    ) -> RegistrationResult:
        with self._lock:  # reentrant: register() may hold it already
            expires = self._nonces.pop(nonce, None)  # single use, whatever the outcome
        if expires is None or expires < self.monotonic():
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
        if self._is_revoked(cert):
            return RegistrationResult(RegistrationStatus.CERTIFICATE_REVOKED)
        key = cert.public_key()
        try:
            assert isinstance(key, rsa.RSAPublicKey)
            # Over the fields as they arrived: one changed in transit breaks the signature.
            payload = signed_payload(nonce, consent_version, terminal_id)
            key.verify(signature, payload, padding.PKCS1v15(), hashes.SHA256())
        except (InvalidSignature, AssertionError, ValueError):
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

    def _is_revoked(self, cert: x509.Certificate) -> bool:
        """Look the certificate up in the CRL, reloading it whenever the file changed. A CRL that
        is configured but missing, unparsable, stale or not from a trusted CA fails closed."""
        if self.crl_path is None:
            return False
        crl = self.check_crl()
        return crl.get_revoked_certificate_by_serial_number(cert.serial_number) is not None and (
            crl.issuer.public_bytes() == cert.issuer.public_bytes()
        )

    def check_crl(self) -> x509.CertificateRevocationList:
        """The configured CRL, or GatewayUnavailableError naming why it cannot be trusted."""
        assert self.crl_path is not None
        try:
            stamp = self.crl_path.stat().st_mtime_ns
            if stamp != self._crl_stamp or self._crl is None:
                crl = x509.load_pem_x509_crl(self.crl_path.read_bytes())
                if not any(self._crl_signed_by(crl, ca) for ca in self.ca_certs):
                    raise GatewayUnavailableError(f"the CRL {self.crl_path} is not signed by a trusted CA")
                self._crl, self._crl_stamp = crl, stamp
        except OSError as exc:
            raise GatewayUnavailableError(f"the CRL {self.crl_path} cannot be read ({exc.strerror})") from None
        except ValueError:
            raise GatewayUnavailableError(f"the CRL {self.crl_path} is not a PEM CRL") from None
        next_update = self._crl.next_update_utc
        if next_update is None or next_update < dt.datetime.fromtimestamp(self.clock(), dt.UTC):
            raise GatewayUnavailableError(f"the CRL {self.crl_path} is past its nextUpdate")
        return self._crl

    @staticmethod
    def _crl_signed_by(crl: x509.CertificateRevocationList, ca: x509.Certificate) -> bool:
        try:
            return crl.is_signature_valid(ca.public_key())  # type: ignore[arg-type]
        except TypeError:
            return False

    def _chains(self, cert: x509.Certificate) -> bool:
        for ca in self.ca_certs:
            try:
                cert.verify_directly_issued_by(ca)
                return True
            except (ValueError, TypeError, InvalidSignature):
                continue
        return False
