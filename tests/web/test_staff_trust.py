"""Issue 12, item 2: staff sign-in cannot be guessed, and every helper action names who did it.

Six-digit staff PINs at least, a lock-out kept in the accounts file (a restart does not reopen
it; a manager lifts it from the command line), and the sealed record of staff actions."""

from __future__ import annotations

import re
import sqlite3

import pytest
from werkzeug.security import generate_password_hash

from tests.support.auth import STAFF_CODE, STAFF_PIN, AuthActions
from tests.support.waiting import wait_until


@pytest.fixture
def config(tmp_path, instance):
    """The config file an installed kiosk's commands read: the same instance folder as the app."""
    path = tmp_path / "kiosk.toml"
    path.write_text(f'demo = true\ninstance_path = "{instance}"\n')
    return path


def signed_in(make_app, pin: str = STAFF_PIN, code: str = STAFF_CODE):
    """A fresh kiosk process on the instance folder (a restart), and one staff sign-in on it."""
    app = make_app()
    app.config["WTF_CSRF_ENABLED"] = False
    client = app.test_client()
    response = AuthActions(client).staff_login(code=code, pin=pin)
    return app, client, response


def page_without_token(response, code: str) -> str:
    page = re.sub(r'<meta name="csrf-token"[^>]*>', "", response.get_data(as_text=True))
    return page.replace(f'value="{code}"', 'value="CODE"')


def test_kiosk_staff_create_refuses_a_pin_shorter_than_six_digits(cli, config, make_app):
    refused = cli("staff", "create", STAFF_CODE, "--pin-stdin", "--config", config, input="2468\n")
    assert refused.exit_code == 2 and "6-12 digits" in refused.stderr
    assert cli("staff", "create", STAFF_CODE, "--pin-stdin", "--config", config, input=f"{STAFF_PIN}\n").exit_code == 0
    assert signed_in(make_app)[2].status_code == 302


def test_an_old_four_digit_pin_cannot_sign_in_and_is_told_to_have_it_reset(cli, config, instance, make_app):
    make_app().extensions["kiosk.accounts"]  # the accounts file, as an older kiosk left it:
    db = sqlite3.connect(instance / "accounts.sqlite3")
    with db:
        db.execute("INSERT INTO staff (code, pin_hash, created_at, pseudonym) VALUES (?, ?, '2026-11-01', 'p1')",
                   (STAFF_CODE, generate_password_hash("2468", "scrypt")))  # fmt: skip
    db.close()

    app, client, right = signed_in(make_app, pin="2468")
    assert right.status_code == 200 and client.get("/staff/").status_code == 302
    assert "reset-pin" in right.get_data(as_text=True)
    assert app.extensions["kiosk.accounts"].shifts() == []  # no shift was started
    wrong = AuthActions(client).staff_login(pin="1357")
    assert "reset-pin" not in wrong.get_data(as_text=True)  # a guesser learns nothing new

    reset = cli("staff", "reset-pin", STAFF_CODE, "--pin-stdin", "--config", config, input=f"{STAFF_PIN}\n")
    assert reset.exit_code == 0
    assert signed_in(make_app)[2].status_code == 302


def test_a_locked_account_stays_locked_after_a_restart_until_a_manager_unlocks_it(cli, config, make_app):
    first = make_app()
    first.config["WTF_CSRF_ENABLED"] = False
    first.extensions["kiosk.accounts"].create_staff(STAFF_CODE, STAFF_PIN)
    guesser = AuthActions(first.test_client())
    for _ in range(5):
        guesser.staff_login(pin="135799")

    restarted = make_app()  # a new process: the in-memory pause is gone, the lock-out is not
    restarted.config["WTF_CSRF_ENABLED"] = False
    client = restarted.test_client()
    locked = AuthActions(client).staff_login()  # the right PIN
    assert locked.status_code == 200 and client.get("/staff/").status_code == 302
    unknown = AuthActions(client).staff_login(code="nobody")
    assert page_without_token(locked, STAFF_CODE) == page_without_token(unknown, "nobody")

    unlocked = cli("staff", "unlock", STAFF_CODE, "--config", config)
    assert unlocked.exit_code == 0
    assert AuthActions(client).staff_login().status_code == 302


def test_every_staff_action_is_recorded_with_the_acting_account_and_the_visit(make_app):
    app = make_app(age_source="staff")
    app.config["WTF_CSRF_ENABLED"] = False
    accounts = app.extensions["kiosk.accounts"]
    accounts.create_staff(STAFF_CODE, STAFF_PIN)
    terminal, demo = app.extensions["kiosk.terminal"], app.extensions["kiosk.demo"]
    client = app.test_client()
    AuthActions(client).staff_login()
    demo.insert("hanako")
    wait_until(lambda: terminal.snapshot()["step"] == "consent")
    visit = terminal.staff_snapshot()["visit"]

    client.post("/staff/age-band", data={"band": "75+"})
    client.post("/staff/action", data={"action": "assisted"})
    client.post("/staff/action", data={"action": "self_service"})
    client.post("/staff/action", data={"action": "allow_last_try", "visit": "another-visit"})  # refused: not recorded
    client.post("/staff/action", data={"action": "cancel"})

    actions = accounts.actions.actions()
    assert [(a["kind"], a["value"], a["visit_id"]) for a in actions] == [
        ("age_band", "75+", visit), ("assisted", None, visit), ("self_service", None, visit), ("cancel", None, visit)]
    (actor,) = {a["actor"] for a in actions}
    assert actor and STAFF_CODE not in actor  # a pseudonym, never the staff code
    assert {a["terminal_id"] for a in actions} == {app.config["KIOSK"].terminal_id}
    assert accounts.actions.verify().ok


def test_an_action_naming_another_visit_is_refused_and_never_recorded_under_a_forged_id(make_app):
    app = make_app(age_source="staff")
    app.config["WTF_CSRF_ENABLED"] = False
    accounts = app.extensions["kiosk.accounts"]
    accounts.create_staff(STAFF_CODE, STAFF_PIN)
    terminal, demo = app.extensions["kiosk.terminal"], app.extensions["kiosk.demo"]
    client = app.test_client()
    AuthActions(client).staff_login()
    demo.insert("hanako")
    wait_until(lambda: terminal.snapshot()["step"] == "consent")
    visit = terminal.staff_snapshot()["visit"]

    for kind in ("assisted", "self_service", "cancel", "restart"):
        client.post("/staff/action", data={"action": kind, "visit": "forged-visit"})
    assert terminal.snapshot()["step"] == "consent"  # nothing was done to the real visit
    assert terminal.staff_snapshot()["visit"] == visit
    assert accounts.actions.actions() == []

    client.post("/staff/action", data={"action": "assisted", "visit": visit})
    assert [(a["kind"], a["visit_id"]) for a in accounts.actions.actions()] == [("assisted", visit)]


def test_parallel_wrong_staff_pins_all_count_towards_the_lock_out(tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    from kiosk.staff.accounts import AccountStore

    accounts = AccountStore(tmp_path / "accounts.sqlite3")
    accounts.create_staff(STAFF_CODE, STAFF_PIN)
    with ThreadPoolExecutor(6) as pool:  # guesses racing each other from several LAN clients
        list(pool.map(lambda n: accounts.check_staff(STAFF_CODE, f"{n:06d}"), range(6)))
    assert not accounts.check_staff(STAFF_CODE, STAFF_PIN)  # locked: no guess was lost
