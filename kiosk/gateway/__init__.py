"""The registration service's interface: the boundary between the kiosk and the national system.

The kiosk proves the card (certificate + a signature over ``signed_payload``: a fresh nonce, the
consent version and the terminal id) and the service decides. ``client.HttpGateway`` talks to
the real one; ``simulator.SimulatedGateway`` does what the real relay does, locally, for demo
and tests; ``service`` serves the simulator over HTTP.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Protocol

PAYLOAD_TAG = b"madoguchi-registration-v1"


def signed_payload(nonce: bytes, consent_version: str, terminal_id: str) -> bytes:
    """What the card signs (its SHA-256 DigestInfo), so the consent version and terminal id
    cannot be changed in transit; documented in docs/gateway-api.md.

    The tag names the purpose and version (a signature made for anything else never matches);
    each field is a 2-byte big-endian length and its bytes (text in UTF-8), so no two sets of
    fields give the same bytes."""
    out = bytearray(PAYLOAD_TAG)
    for field in (nonce, consent_version.encode(), terminal_id.encode()):
        if len(field) > 0xFFFF:
            raise ValueError("a signed field is longer than 65535 bytes")
        out += len(field).to_bytes(2, "big") + field
    return bytes(out)


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
    def reachable(self, timeout: float = 2.0) -> bool:
        """A cheap look (no nonce made) whether the service can be reached now."""
        ...

    def challenge(self) -> Challenge: ...

    def register(
        self,
        certificate: bytes,
        signature: bytes,
        nonce: bytes,
        consent_version: str,
        terminal_id: str,
        idempotency_key: str | None = None,
    ) -> RegistrationResult: ...
