"""The PIN post (issue 12, item 14): read from the request body into one buffer by the kiosk,
never parsed into werkzeug's form (immutable strings); its CSRF token checked all the same."""

from __future__ import annotations

import re

import pytest
from flask import request

from tests.support.waiting import wait_until


@pytest.fixture
def parsed(app):
    """For each request, whether werkzeug built ``request.form`` (a cached property)."""
    seen: list[tuple[str, bool]] = []

    @app.after_request
    def note(response):
        seen.append((request.path, "form" in request.__dict__))
        return response

    return seen


def at_pin(client, demo, terminal, token: str = "") -> None:
    demo.insert("hanako")
    wait_until(lambda: terminal.snapshot()["step"] == "consent" and not terminal.snapshot()["busy"], what="consent")
    client.post("/action", data={"action": "agree", "csrf_token": token})
    assert terminal.snapshot()["step"] == "pin"


def test_the_pin_reaches_the_card_without_werkzeug_parsing_the_form(client, demo, terminal, parsed):
    at_pin(client, demo, terminal)
    client.post("/pin", data={"csrf_token": "x", "pin": "1234"})
    wait_until(lambda: terminal.snapshot()["step"] == "done", what="the done screen")
    assert ("/pin", False) in parsed and ("/action", True) in parsed


@pytest.mark.parametrize("body", ["pin=12%334", "pin=123", "pin=12345", "pin=1234&pin=1234", "pn=1234"])
def test_anything_but_one_field_of_four_digits_is_refused(client, demo, terminal, body):
    at_pin(client, demo, terminal)
    before = demo.reader.card.pin_presentations()
    client.post("/pin", data=body, content_type="application/x-www-form-urlencoded")
    assert "数字を4けた入力してください" in client.get("/").text
    assert terminal.snapshot()["step"] == "pin" and demo.reader.card.pin_presentations() == before


def test_the_pin_post_still_needs_its_csrf_token(app, demo, terminal):
    strict = app.test_client()
    token = re.search(r'name="csrf-token" content="([^"]+)"', strict.get("/").text).group(1)
    at_pin(strict, demo, terminal, token)
    assert strict.post("/pin", data={"pin": "1234"}).status_code == 400
    assert strict.post("/pin", data={"csrf_token": "forged", "pin": "1234"}).status_code == 400
    assert terminal.snapshot()["step"] == "pin" and demo.reader.card.pin_presentations() == 0
    assert strict.post("/pin", data={"csrf_token": token, "pin": "1234"}).status_code == 302
    wait_until(lambda: terminal.snapshot()["step"] == "done", what="the done screen")
