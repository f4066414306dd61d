"""The registration service's nonce for the visit on the PIN screen, fetched before any PIN.

The terminal asks for it as the PIN screen is shown (and again before it runs out), on the
registration thread, so a typed PIN never waits in memory while a nonce is requested or its
request retried. Pure bookkeeping: the terminal calls it under its lock, and does the I/O.
"""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.gateway import Challenge
from kiosk.visit.flow import SessionSummary

# Fetch a new nonce when the one held has less than this left: the PIN, once typed, must not
# meet an expired nonce (the simulated service gives 120 s; a resident may take longer).
RENEW_BEFORE_SECONDS = 30.0


@dataclass
class _Held:
    visit: SessionSummary
    challenge: Challenge
    until: float  # monotonic: the wall clock may be set while the resident types


class PinNonce:
    def __init__(self) -> None:
        self._held: _Held | None = None
        self._fetching: SessionSummary | None = None

    def wanted(self, visit: SessionSummary, now: float) -> bool:
        """Whether to fetch a nonce for ``visit`` now; if so, it counts as being fetched."""
        if self._fetching is visit:
            return False
        held = self._held
        if held is not None and held.visit is visit and held.until - now > RENEW_BEFORE_SECONDS:
            return False
        self._fetching = visit
        return True

    def fetched(self, visit: SessionSummary, challenge: Challenge, now: float, wall_now: float) -> None:
        if self._fetching is visit:
            self._fetching = None
        self._held = _Held(visit, challenge, now + (challenge.expires_at - wall_now))

    def failed(self, visit: SessionSummary) -> None:
        if self._fetching is visit:
            self._fetching = None

    def take(self, visit: SessionSummary | None, now: float) -> Challenge | None:
        """The nonce for ``visit``'s PIN, used once; None if there is none still valid."""
        held, self._held = self._held, None
        if held is None or held.visit is not visit or held.until <= now:
            return None
        return held.challenge
