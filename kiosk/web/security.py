"""HTTP hardening shared by every page: security headers, no caching of resident pages,
and the rule that only the kiosk's own browser (loopback) drives the resident screens."""

from __future__ import annotations

from flask import Flask, abort, request
from flask.sessions import SecureCookieSessionInterface

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; media-src 'self'; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
RESIDENT_ENDPOINTS = ("resident.", "demo.")
LOOPBACK = ("127.0.0.1", "::1")
# Headers the TLS front (deploy/nginx-madoguchi.conf) always sets: a request bearing one came
# from the LAN through the proxy, even though its peer address is loopback.
FORWARDED_HEADERS = ("X-Forwarded-For", "Forwarded", "X-Real-IP")


def from_the_kiosk() -> bool:
    """The request comes from this box's own browser or watchdog, not through a proxy.

    The peer address alone is not enough: a reverse proxy on the box connects from loopback."""
    if request.remote_addr not in LOOPBACK:
        return False
    return not any(header in request.headers for header in FORWARDED_HEADERS)


# A browser keeps a "__Host-" cookie only if it is Secure, for Path=/ and without a Domain, so
# no other host or plain-HTTP page on the LAN can set or shadow the staff sign-in cookie.
HOST_PREFIX = "__Host-"


class KioskSessionInterface(SecureCookieSessionInterface):
    """Cookies that reached a tablet through the TLS front are Secure and "__Host-" named; the
    kiosk's own browser talks plain HTTP to 127.0.0.1, where a Secure cookie would not come back."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or not from_the_kiosk()

    def get_cookie_name(self, app: Flask) -> str:
        name = super().get_cookie_name(app)
        return name if from_the_kiosk() else HOST_PREFIX + name

    def get_cookie_domain(self, app: Flask) -> str | None:
        return None if not from_the_kiosk() else super().get_cookie_domain(app)

    def get_cookie_path(self, app: Flask) -> str:
        return "/" if not from_the_kiosk() else super().get_cookie_path(app)


def install(app: Flask) -> None:
    app.session_interface = KioskSessionInterface()

    @app.before_request
    def resident_screens_only_from_the_kiosk():
        # When the server listens on the LAN for staff tablets, a LAN device must still not be
        # able to drive the resident's flow (or the demo panel): those stay loopback-only.
        endpoint = request.endpoint or ""
        if endpoint.startswith(RESIDENT_ENDPOINTS) and not from_the_kiosk():
            abort(403)

    @app.after_request
    def headers(response):
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "no-referrer"
        if not (request.endpoint or "").startswith("static"):
            # Nothing a resident or manager saw may come back from a cache.
            response.headers["Cache-Control"] = "no-store"
        return response
