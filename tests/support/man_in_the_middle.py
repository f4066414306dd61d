"""A registration service reached through someone who changes the request after the card signed."""

from __future__ import annotations

from kiosk.gateway import Challenge, RegistrationGateway, RegistrationResult


class ManInTheMiddle:
    """Passes the kiosk's calls on to ``inner``, with the fields in ``changes`` replaced."""

    def __init__(self, inner: RegistrationGateway, **changes: str) -> None:
        self.inner, self.changes = inner, changes

    def reachable(self, timeout: float = 2.0) -> bool:
        return self.inner.reachable(timeout)

    def challenge(self) -> Challenge:
        return self.inner.challenge()

    def register(
        self, certificate: bytes, signature: bytes, nonce: bytes, consent_version: str, terminal_id: str,
        idempotency_key: str | None = None,
    ) -> RegistrationResult:  # fmt: skip
        fields = {"consent_version": consent_version, "terminal_id": terminal_id, **self.changes}
        return self.inner.register(certificate, signature, nonce, idempotency_key=idempotency_key, **fields)
