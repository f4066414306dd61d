"""The simulated registration service as its own HTTP process: `kiosk gateway serve`.

It stands where the vendor's municipal relay stands in production (see docs/gateway-api.md):
JSON over HTTP(S), a fresh single-use nonce per registration, idempotent registrations, and
the same checks the relay makes (chain, validity, CRL, signature, nonce).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import logging
import ssl
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Flask, current_app, jsonify, request
from gunicorn.app.base import BaseApplication
from werkzeug.exceptions import HTTPException

from kiosk.gateway import GatewayUnavailableError
from kiosk.gateway.simulator import IdempotencyConflictError, SimulatedGateway

log = logging.getLogger(__name__)
bp = Blueprint("gateway_api", __name__, url_prefix="/v1")
MAX_BODY = 64 * 1024


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def _gateway() -> SimulatedGateway:
    return current_app.extensions["gateway.simulated"]


def _b64(body: dict[str, Any], name: str) -> bytes:
    value = body.get(name)
    if not isinstance(value, str):
        raise ApiError(400, "missing_field", f"'{name}' is required (base64)")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise ApiError(400, "bad_base64", f"'{name}' is not valid base64") from None


def _text(body: dict[str, Any], name: str, max_len: int = 64) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not 0 < len(value) <= max_len:
        raise ApiError(400, "missing_field", f"'{name}' is required (a string of at most {max_len} characters)")
    return value


@bp.post("/challenges")
def challenges():
    challenge = _gateway().challenge()
    expires = dt.datetime.fromtimestamp(challenge.expires_at, dt.UTC).isoformat(timespec="seconds")
    return jsonify(nonce=base64.b64encode(challenge.nonce).decode(), expires_at=expires), 201


@bp.post("/registrations")
def registrations():
    key = request.headers.get("Idempotency-Key", "")
    if not 8 <= len(key) <= 128:
        raise ApiError(400, "missing_idempotency_key", "an Idempotency-Key header (8-128 characters) is required")
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ApiError(400, "bad_json", "the body must be a JSON object")
    # Exactly these fields: a client that sends anything personal is refused, not ignored.
    allowed = {"certificate", "signature", "nonce", "consent_version", "terminal_id"}
    if set(body) - allowed:
        raise ApiError(400, "unexpected_field", f"unexpected fields: {sorted(set(body) - allowed)}")
    try:
        result = _gateway().register(
            _b64(body, "certificate"), _b64(body, "signature"), _b64(body, "nonce"),
            _text(body, "consent_version"), _text(body, "terminal_id"), idempotency_key=key,
        )  # fmt: skip
    except IdempotencyConflictError:
        raise ApiError(422, "idempotency_key_reused", "this Idempotency-Key was used with another body") from None
    return jsonify(status=result.status.value, registration_id=result.registration_id)


def _json_error(status: int, code: str, message: str):
    return jsonify(error={"code": code, "message": message}), status


def create_gateway_app(gateway: SimulatedGateway) -> Flask:
    """Serve ``gateway`` (built by kiosk.composition from the settings) over HTTP."""
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY
    app.extensions["gateway.simulated"] = gateway
    app.register_blueprint(bp)

    @app.errorhandler(ApiError)
    def api_error(exc: ApiError):
        return _json_error(exc.status, exc.code, exc.message)

    @app.errorhandler(GatewayUnavailableError)
    def unavailable(exc: GatewayUnavailableError):
        log.error("registration refused: %s", exc)  # fail closed: never 'registered'
        return _json_error(503, "unavailable", "the service cannot check revocation now; nothing was registered")

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        return _json_error(exc.code or 500, (exc.name or "error").lower().replace(" ", "_"), exc.description or "")

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        log.exception("gateway error")  # the details stay in the log, never in the answer
        return _json_error(500, "internal_error", "the registration service failed; nothing was registered")

    return app


# -- serving it --------------------------------------------------------------------------------
@dataclass(frozen=True)
class TlsFiles:
    cert: str
    key: str | None = None  # none: the key is in the certificate's file
    client_ca: str | None = None  # given: only kiosks with a certificate from this CA get in


class _HttpsServer(BaseApplication):
    """gunicorn, not Werkzeug's development server (which says it is not for production): a
    maintained, widely run server with mutual TLS in its own options (ca_certs, cert_reqs), a
    master that stops its worker on SIGTERM with a bounded grace time, and a hung worker
    replaced. cheroot would also do TLS, but we would write its signal handling ourselves."""

    def __init__(self, app: Flask, options: dict[str, Any]) -> None:
        self._app, self._options = app, options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        return self._app  # built in this process, so a bad CA or CRL path fails before binding


def serve_https(app: Flask, host: str, port: int, tls: TlsFiles) -> None:
    """Serve ``app`` over HTTPS until SIGTERM or Ctrl-C (then in-flight requests get 2 s)."""
    _HttpsServer(app, {
        "bind": f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
        # One worker: the simulator keeps its single-use nonces in memory, so a challenge and
        # its registration must meet the same process; threads serve kiosks side by side.
        "workers": 1, "worker_class": "gthread", "threads": 8,
        "certfile": tls.cert, "keyfile": tls.key,
        "ca_certs": tls.client_ca, "cert_reqs": ssl.CERT_REQUIRED if tls.client_ca else ssl.CERT_NONE,
        "graceful_timeout": 2, "loglevel": "warning", "proc_name": "madoguchi-gateway",
    }).run()  # fmt: skip
