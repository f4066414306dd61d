"""Bad input on the web side: every form and endpoint answers 4xx, never a stack trace."""

from __future__ import annotations

import pytest

from tests.support.waiting import wait_until


@pytest.fixture
def signed_in(client, auth, app):
    app.extensions["kiosk.accounts"].create_manager("boss", "correct horse battery")
    auth.manager_login()
    return client


@pytest.mark.parametrize("path", ["/", "/staff/login", "/manager/login", "/healthz"])
def test_security_headers_on_every_page(client, path):
    response = client.get(path)
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"


def test_session_cookie_is_httponly_and_samesite(auth, app):
    app.extensions["kiosk.accounts"].create_staff("helper1", "246813")
    response = auth.staff_login()
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie


@pytest.mark.parametrize(
    "path, data",
    [
        ("/action", {"action": "drop table events"}),
        ("/action", {}),
        ("/language", {"language": "../../etc/passwd"}),
        ("/display", {"option": "<script>"}),
        ("/used", {"option": "x" * 100}),
    ],
)
def test_resident_endpoints_refuse_unknown_values(client, path, data):
    response = client.post(path, data=data)
    assert response.status_code == 400 and b"Traceback" not in response.data


@pytest.mark.parametrize("pin", ["1" * 10_000, "12;4", "' OR 1=1", "１２３４", "١٢٣٤", "12 4", "\x00\x00\x00\x00",
                                 "123", "12345", ""])  # fmt: skip
@pytest.mark.parametrize("language, message",
                         [("ja", "数字を4けた入力してください。"), ("en", "Please enter 4 digits.")])  # fmt: skip
def test_malformed_pins_are_refused_with_a_message(client, demo, terminal, pin, language, message):
    demo.insert("hanako")
    card = demo.reader.card
    wait_until(lambda: terminal.snapshot()["step"] == "consent")
    client.post("/language", data={"language": language})
    page = client.post("/action", data={"action": "agree"}, follow_redirects=True).get_data(as_text=True)
    assert 'data-step="pin"' in page and message not in page
    response = client.post("/pin", data={"pin": pin}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Traceback" not in page
    assert message in page  # in the language the resident chose
    assert 'data-step="pin"' in page and terminal.snapshot()["step"] == "pin"  # the resident can try again
    # Nothing reached the card: no VERIFY carried a PIN, no try was spent.
    assert card.pin_presentations("auth") == 0 and card.tries_left("auth") == 3


def test_oversized_bodies_are_refused(client):
    response = client.post("/action", data={"action": "agree", "pad": "x" * 100_000})
    assert response.status_code == 413 and b"Traceback" not in response.data


def test_long_poll_with_a_bad_version_still_answers(client):
    assert client.get("/state?since=not-a-number").status_code == 200


@pytest.mark.parametrize(
    "path", ["/manager/", "/manager/report", "/manager/export/events.csv", "/manager/export/summary.csv"]
)
def test_manager_area_is_unreachable_without_login(client, path):
    response = client.get(path)
    assert response.status_code == 302 and "/manager/login" in response.headers["Location"]


def test_export_names_cannot_be_steered(signed_in):
    response = signed_in.get("/manager/export/summary.csv?month=../../etc/passwd")
    assert response.status_code == 200
    name = response.headers["Content-Disposition"]
    assert ".." not in name and "/" not in name.split("filename=")[1]


def test_resident_screens_are_loopback_only(client):
    lan = {"REMOTE_ADDR": "192.168.1.20"}
    assert client.get("/", environ_base=lan).status_code == 403
    assert client.post("/pin", data={"pin": "1234"}, environ_base=lan).status_code == 403
    assert client.get("/staff/login", environ_base=lan).status_code == 200  # a helper's tablet may


@pytest.mark.parametrize("method, path", [("GET", "/nowhere"), ("DELETE", "/"), ("PUT", "/pin")])
def test_unknown_routes_and_methods_have_no_stack_trace(client, method, path):
    response = client.open(path, method=method)
    assert response.status_code in (404, 405) and b"Traceback" not in response.data
