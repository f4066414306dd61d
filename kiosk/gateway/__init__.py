"""The registration service's interface: the boundary between the kiosk and the national system.

The kiosk proves the card (certificate + a signature over a fresh nonce) and the service
decides. ``client.HttpGateway`` talks to the real one; ``simulator.SimulatedGateway`` does what
the real relay does, locally, for demo and tests; ``service`` serves the simulator over HTTP.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Protocol


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
