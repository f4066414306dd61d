"""Item 4 of the security review: signing out ends the session on the server, so a copied
cookie opens nothing afterwards; a helper's panel in use stays signed in, a manager's area
closes after manager_session_minutes."""

from __future__ import annotations

import pytest

from tests.support.auth import AuthActions


@pytest.fixture
def accounts(app):
    store = app.extensions["kiosk.accounts"]
    store.create_staff("helper1", "246813")
    store.create_manager("boss", "correct horse battery")
    return store


@pytest.fixture
def clock(app):
    """The sign-in records' clock, moved by the test."""
    now = [1000.0]
    app.extensions["kiosk.sessions"].clock = lambda: now[0]
    return now


def copied_cookie(client) -> str:
    return client.get_cookie(client.application.config["SESSION_COOKIE_NAME"]).value


def with_cookie(app, value: str):
    other = app.test_client()
    other.set_cookie(app.config["SESSION_COOKIE_NAME"], value)
    return other


@pytest.mark.parametrize("area, page", [("staff", "/staff/"), ("manager", "/manager/")])
def test_a_copied_cookie_stops_working_after_logout(app, client, auth, accounts, area, page):
    auth.staff_login() if area == "staff" else auth.manager_login()
    stolen = copied_cookie(client)
    assert with_cookie(app, stolen).get(page).status_code == 200  # the copy works while signed in
    auth.logout()
    assert with_cookie(app, stolen).get(page).status_code == 302  # back to the sign-in form


def test_a_helper_panel_in_use_stays_signed_in_and_an_abandoned_one_expires(client, auth, accounts, clock):
    auth.staff_login()
    for _ in range(6):  # three hours of the panel's long poll, a poll every half hour at worst
        clock[0] += 29 * 60
        assert client.get("/staff/state").status_code == 200
    clock[0] += 31 * 60  # the tablet put away
    assert client.get("/staff/").status_code == 302


def test_a_manager_area_closes_after_manager_session_minutes_even_in_use(make_app):
    app = make_app(manager_session_minutes=10)
    app.config["WTF_CSRF_ENABLED"] = False
    app.extensions["kiosk.accounts"].create_manager("boss", "correct horse battery")
    now = [1000.0]
    app.extensions["kiosk.sessions"].clock = lambda: now[0]
    client = app.test_client()
    AuthActions(client).manager_login()
    now[0] += 9 * 60
    assert client.get("/manager/").status_code == 200
    now[0] += 2 * 60
    assert client.get("/manager/").status_code == 302


def test_a_restart_keeps_sign_ins_and_keeps_signed_out_cookies_dead(app, client, auth, accounts, make_app):
    auth.staff_login()
    signed_out = copied_cookie(client)
    auth.logout()
    auth.staff_login()
    kept = copied_cookie(client)
    app.extensions["kiosk.terminal"].stop()  # the kiosk restarts (systemd, an update)

    restarted = make_app()
    assert with_cookie(restarted, kept).get("/staff/").status_code == 200  # the helper works on
    assert with_cookie(restarted, signed_out).get("/staff/").status_code == 302


def test_the_accounts_file_holds_no_usable_cookie_token(app, client, auth, accounts):
    import sqlite3

    auth.staff_login()
    token = app.session_interface.get_signing_serializer(app).loads(copied_cookie(client))["sid"]
    dumped = "\n".join(sqlite3.connect(accounts.path).iterdump())
    assert "sign_ins" in dumped and token not in dumped
