"""The files the registration path trusts (CA bundle, client certificate and key, the CRL, the
simulated service's own TLS files), read once at start: a damaged one stops the start with one
line naming the file and what to do, never a traceback and never a resident's failed visit."""

from __future__ import annotations

import ssl
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from kiosk.settings import ConfigError

RESTORE = "restore it from the backup (or the issuer's copy)"


class BrokenFileError(ConfigError):
    """A certificate, key or CRL file that cannot be used, in one line that names it."""

    def __init__(self, path: str | Path, what: str, reason: str, key: str) -> None:
        setting = f"option {key}" if key.startswith("--") else f"key '{key}'"
        super().__init__(f"{path}: the {what} cannot be used ({reason}); {RESTORE} or fix {setting}")
        self.path, self.what, self.key = str(path), what, key


def _read(path: str | Path, what: str, key: str) -> bytes:
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise BrokenFileError(path, what, exc.strerror or type(exc).__name__, key) from None
    if not data.strip():
        raise BrokenFileError(path, what, "the file is empty", key)
    return data


def certificates(path: str | Path, what: str, key: str) -> list[x509.Certificate]:
    """Every certificate in a PEM file; a garbage, truncated or empty file is a BrokenFileError."""
    data = _read(path, what, key)
    try:
        found = x509.load_pem_x509_certificates(data)
    except ValueError:
        raise BrokenFileError(path, what, "not a PEM certificate, or cut short", key) from None
    if data.count(b"-----BEGIN") != len(found):  # a bundle whose last certificate was cut off
        raise BrokenFileError(path, what, "a certificate in it is cut short", key)
    return found


def private_key(path: str | Path, what: str, key: str) -> None:
    """A PEM private key without a passphrase (the service starts unattended)."""
    data = _read(path, what, key)
    try:
        serialization.load_pem_private_key(data, password=None)
    except TypeError:
        raise BrokenFileError(path, what, "the key has a passphrase; the kiosk starts unattended", key) from None
    except ValueError:
        raise BrokenFileError(path, what, "not a PEM private key, or cut short", key) from None


def crl(path: str | Path, key: str = "gateway_crl_file") -> None:
    data = _read(path, "CRL", key)
    try:
        x509.load_pem_x509_crl(data)
    except ValueError:
        raise BrokenFileError(path, "CRL", "not a PEM CRL, or cut short", key) from None


def tls_identity(cert: str, key_file: str | None, cert_key: str, key_key: str) -> None:
    """A certificate and its key (``key_file`` None: the key is in the certificate's file) that
    load together, as the TLS library will load them."""
    certificates(cert, "certificate", cert_key)
    private_key(key_file or cert, "private key", key_key if key_file else cert_key)
    try:
        ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT).load_cert_chain(cert, key_file or None)
    except ssl.SSLError as exc:
        raise BrokenFileError(cert, "certificate", f"it does not match its key {key_file} ({exc.reason})",
                              cert_key) from None  # fmt: skip
