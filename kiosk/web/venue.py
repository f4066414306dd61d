"""The venue view's reach: the other kiosks at this venue, asked kiosk to kiosk.

Each kiosk lists its peers' staff URLs (``venue_peers``) and shares one secret with them
(``venue_token``). The helper signs in once, on the kiosk whose panel the tablet shows; that
kiosk's server asks each peer for its panel state (and passes on help a helper records there)
with the token in an ``Authorization: Bearer`` header. The tablet never holds the token and
never talks to the peers itself. No Flask here: plain HTTP with short timeouts, the peers
asked side by side, so one kiosk switched off never holds the venue page.
"""

from __future__ import annotations

import hmac
import json
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from typing import Any

TIMEOUT_SECONDS = 2.0


class PeerError(Exception):
    """A peer kiosk could not be reached or refused."""


class VenueWatch:
    def __init__(self, peers: tuple[str, ...], token: str) -> None:
        self.peers = tuple(p if p.endswith("/") else p + "/" for p in peers)
        self.token = token

    @property
    def enabled(self) -> bool:
        return bool(self.peers and self.token)

    def admits(self, header: str | None) -> bool:
        """Whether a request's Authorization header carries this venue's token."""
        if not self.token or not header or not header.startswith("Bearer "):
            return False
        return hmac.compare_digest(header.removeprefix("Bearer ").encode(), self.token.encode())

    def _call(self, peer: str, path: str, body: dict | None = None) -> dict[str, Any]:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(peer + path, data=data, method="POST" if data else "GET")
        request.add_header("Authorization", f"Bearer {self.token}")
        if data:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
                return json.loads(response.read(65536))
        except (urllib.error.URLError, OSError, ValueError) as exc:
            raise PeerError(f"{peer}: {exc}") from None

    def states(self) -> list[dict[str, Any]]:
        """Each peer's panel state, in the configured order; ``{"reachable": False}`` for one
        that does not answer."""
        if not self.enabled:
            return []

        def ask(index_peer: tuple[int, str]) -> dict[str, Any]:
            index, peer = index_peer
            try:
                return {**self._call(peer, "peer/state"), "peer": index, "reachable": True}
            except PeerError:
                return {"peer": index, "reachable": False}

        with ThreadPoolExecutor(max_workers=min(8, len(self.peers))) as pool:
            return list(pool.map(ask, enumerate(self.peers)))

    def record_help(self, index: int, body: dict[str, str]) -> dict[str, Any]:
        if not self.enabled or not 0 <= index < len(self.peers):
            raise PeerError("no such kiosk at this venue")
        return self._call(self.peers[index], "peer/help", body)
