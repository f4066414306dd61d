"""Item 4 of the security review over a real TLS server: Debian's nginx configured by deploy/,
in front of waitress. Staff pages work over HTTPS; the resident and demo pages never answer the
LAN; a cookie copied before logout opens nothing afterwards."""

from __future__ import annotations

import json

import pytest

from tests.support.nginx_harness import NginxFront
from tests.support.serving import serving


@pytest.fixture
def kiosk_serve(app):
    """What `kiosk serve` starts, with its own settings; yields the staff listener's host:port."""
    app.config["WTF_CSRF_ENABLED"] = False
    with serving(app) as listeners:
        yield listeners.staff_address


@pytest.fixture
def front(app, kiosk_serve, tmp_path):
    app.config["WTF_CSRF_ENABLED"] = False
    app.extensions["kiosk.accounts"].create_staff("helper1", "246813")
    nginx = NginxFront(tmp_path / "nginx", kiosk_serve).start()
    yield nginx
    nginx.stop()


@pytest.mark.parametrize("method, path", [("GET", "/"), ("GET", "/state"), ("POST", "/pin"), ("POST", "/action"),
                                          ("GET", "/demo/")])  # fmt: skip
def test_resident_and_demo_pages_answer_404_through_the_tls_front(front, method, path):
    status, _, _ = front.request(method, path, body="pin=1234" if method == "POST" else None)
    assert status == 404


def test_staff_sign_in_over_https_and_a_copied_cookie_dies_at_logout(front):
    status, headers, _ = front.request("POST", "/staff/login", body="code=helper1&pin=246813")
    assert status == 302 and headers["Strict-Transport-Security"].startswith("max-age=")
    cookie = headers["Set-Cookie"].split(";")[0]
    status, _, html = front.request("GET", "/staff/", cookie=cookie)
    assert status == 200 and "data-staff-step" in html
    assert front.request("POST", "/staff/logout", cookie=cookie)[0] == 302
    assert front.request("GET", "/staff/", cookie=cookie)[0] == 302  # the copy leads to the sign-in form


def test_healthz_through_the_front_tells_only_ok(front):
    status, _, body = front.request("GET", "/healthz")
    assert status in (200, 503) and set(json.loads(body)) == {"ok"}


def test_the_sign_in_cookie_through_the_front_is_secure_httponly_and_strict(front):
    _, headers, _ = front.request("POST", "/staff/login", body="code=helper1&pin=246813")
    attributes = {part.strip().split("=")[0].lower() for part in headers["Set-Cookie"].split(";")[1:]}
    assert {"secure", "httponly", "samesite"} <= attributes and "SameSite=Strict" in headers["Set-Cookie"]


def test_the_sign_in_cookie_through_the_front_is_host_prefixed_for_the_whole_site(front):
    # A "__Host-" cookie cannot be set or shadowed by another host or a plain-HTTP page on the LAN.
    _, headers, _ = front.request("POST", "/staff/login", body="code=helper1&pin=246813")
    cookie = headers["Set-Cookie"]
    attributes = [part.strip().lower() for part in cookie.split(";")[1:]]
    assert cookie.startswith("__Host-session=") and "path=/" in attributes
    assert not any(a.startswith("domain") for a in attributes)
    status, _, html = front.request("GET", "/staff/", cookie=cookie.split(";")[0])
    assert status == 200 and "data-staff-step" in html
