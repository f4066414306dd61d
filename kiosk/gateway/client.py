"""The kiosk's client for the registration service over HTTP(S) (docs/gateway-api.md).

Connect and read timeouts from config; bounded retries with backoff for connection errors,
timeouts and 5xx only, with the same Idempotency-Key on every retry of a registration, so a
retried request never registers twice. Only the certificate, the signature, the nonce, the
consent version and the terminal id are sent.
"""

from __future__ import annotations

import base64
import datetime as dt
import http.client
import json
import logging
import socket
import ssl
import time
import uuid
from dataclasses import dataclass
from urllib.parse import urlsplit

from kiosk.gateway import Challenge, GatewayUnavailableError, RegistrationResult, RegistrationStatus
from kiosk.settings import Settings

log = logging.getLogger(__name__)


class _Retryable(Exception):
    pass


@dataclass(frozen=True)
class HttpGatewaySettings:
    url: str
    connect_timeout: float = Settings.gateway_connect_timeout
    read_timeout: float = Settings.gateway_read_timeout
    attempts: int = Settings.gateway_attempts
    backoff: float = 0.5
    ca_bundle: str = ""
    client_cert: str = ""
    client_key: str = ""


class HttpGateway:
    def __init__(self, settings: HttpGatewaySettings, sleep=time.sleep) -> None:
        parts = urlsplit(settings.url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"gateway_url {settings.url!r} must be http(s)://host[:port][/path]")
        self.settings = settings
        self._https = parts.scheme == "https"
        self._host, self._port = parts.hostname, parts.port or (443 if self._https else 80)
        self._base = parts.path.rstrip("/")
        self._sleep = sleep
        # What /healthz names: 'https' in production; 'http' only for a loopback test service.
        self.kind = parts.scheme
        self._context: ssl.SSLContext | None = None
        if self._https:
            self._context = ssl.create_default_context(cafile=settings.ca_bundle or None)
            if settings.client_cert:
                self._context.load_cert_chain(settings.client_cert, settings.client_key or None)

    # -- the API -----------------------------------------------------------------------
    def challenge(self) -> Challenge:
        body = self._call("/v1/challenges", {}, {})
        try:
            nonce = base64.b64decode(body["nonce"], validate=True)
            expires = dt.datetime.fromisoformat(body["expires_at"]).timestamp()
        except (KeyError, TypeError, ValueError) as exc:
            raise GatewayUnavailableError(f"malformed challenge: {exc}") from None
        return Challenge(nonce, expires)

    def register(
        self,
        certificate: bytes,
        signature: bytes,
        nonce: bytes,
        consent_version: str,
        terminal_id: str,
        idempotency_key: str | None = None,
    ) -> RegistrationResult:
        payload = {
            "certificate": base64.b64encode(certificate).decode(),
            "signature": base64.b64encode(signature).decode(),
            "nonce": base64.b64encode(nonce).decode(),
            "consent_version": consent_version,
            "terminal_id": terminal_id,
        }
        key = idempotency_key or str(uuid.uuid4())  # one key for every retry of this request
        body = self._call("/v1/registrations", payload, {"Idempotency-Key": key})
        try:
            return RegistrationResult(RegistrationStatus(body["status"]), body.get("registration_id"))
        except (KeyError, ValueError):
            raise GatewayUnavailableError(f"unknown answer {body!r:.200}") from None

    def reachable(self, timeout: float = 2.0) -> bool:
        """A TCP connection to the service (no request: /healthz must not create nonces)."""
        try:
            socket.create_connection((self._host, self._port), timeout=timeout).close()
            return True
        except OSError:
            return False

    # -- transport -----------------------------------------------------------------------
    def _call(self, path: str, payload: dict, headers: dict[str, str]) -> dict:
        last: Exception | None = None
        for attempt in range(1, self.settings.attempts + 1):
            try:
                return self._post(path, payload, headers)
            except _Retryable as exc:
                last = exc
                log.warning("registration service, attempt %d of %d: %s", attempt, self.settings.attempts, exc)
                if attempt < self.settings.attempts:
                    self._sleep(self.settings.backoff * 2 ** (attempt - 1))
        raise GatewayUnavailableError(str(last))

    def _post(self, path: str, payload: dict, headers: dict[str, str]) -> dict:
        s = self.settings
        if self._https:
            conn: http.client.HTTPConnection = http.client.HTTPSConnection(
                self._host, self._port, timeout=s.connect_timeout, context=self._context
            )
        else:
            conn = http.client.HTTPConnection(self._host, self._port, timeout=s.connect_timeout)
        try:
            conn.connect()
            assert conn.sock is not None
            conn.sock.settimeout(s.read_timeout)  # from here on: the read timeout
            data = json.dumps(payload).encode()
            conn.request("POST", self._base + path, body=data,
                         headers={"Content-Type": "application/json", "Accept": "application/json", **headers})
            response = conn.getresponse()
            raw = response.read(1_000_000)
        except (OSError, http.client.HTTPException) as exc:  # refused, reset, timeout, TLS
            if isinstance(exc, ssl.SSLCertVerificationError):
                raise GatewayUnavailableError(f"the service's certificate is not trusted: {exc}") from None
            raise _Retryable(f"{type(exc).__name__}: {exc}") from None
        finally:
            conn.close()
        if response.status >= 500:
            raise _Retryable(f"HTTP {response.status}")
        try:
            body = json.loads(raw)
        except ValueError:
            raise GatewayUnavailableError(f"HTTP {response.status} with a body that is not JSON") from None
        if response.status >= 400 or not isinstance(body, dict):
            raise GatewayUnavailableError(f"HTTP {response.status}: {body!r:.200}")
        return body

