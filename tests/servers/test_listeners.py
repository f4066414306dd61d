"""What `kiosk serve` starts: the resident pages on a 127.0.0.1 listener of their own, the staff
pages on the one the TLS front forwards to, each with its own threads (issues 12.4 and 13.6)."""

from __future__ import annotations

import threading

import pytest

from tests.support.http import HttpClient
from tests.support.waiting import wait_until

PROMPT = 2.0  # seconds: a resident step or a probe that waits behind long polls takes ~20 s
TABLETS = 30


@pytest.fixture
def resident(listeners) -> HttpClient:
    return HttpClient(listeners.resident_address)


@pytest.fixture
def staff(listeners, app) -> HttpClient:
    app.extensions["kiosk.accounts"].create_staff("helper1", "246813")
    return HttpClient(listeners.staff_address)


def test_the_resident_listener_is_on_loopback_only(listeners):
    assert listeners.resident_address.startswith("127.0.0.1:")


@pytest.mark.parametrize("path", ["/", "/state", "/demo/", "/language/en"])
def test_resident_and_demo_pages_do_not_exist_on_the_staff_listener(staff, path):
    assert staff.get(path).status == 404


@pytest.mark.parametrize("path", ["/staff/login", "/staff/", "/staff/state", "/manager/login", "/manager/"])
def test_staff_and_manager_pages_do_not_exist_on_the_resident_listener(resident, path):
    assert resident.get(path).status == 404


def test_each_listener_serves_its_own_pages_and_healthz(resident, staff):
    assert resident.get("/").status == 200 and resident.get("/demo/").status == 200
    assert staff.get("/staff/login").status == 200 and staff.get("/manager/login").status == 200
    assert resident.get("/healthz").status in (200, 503) and staff.get("/healthz").status in (200, 503)


def test_thirty_tablets_long_polling_leave_the_resident_steps_sign_in_and_healthz_prompt(
    app, listeners, resident, staff, demo, terminal
):
    staff.sign_in_staff("helper1", "246813")
    version = terminal.snapshot()["version"]
    stop = threading.Event()
    turned_away: list[float] = []

    def tablet() -> None:
        # What the panel's script does: long-poll, and wait as long as Retry-After says.
        panel = HttpClient(listeners.staff_address)
        panel.cookie = staff.cookie
        while not stop.is_set():
            reply = panel.get(f"/staff/state?since={version}")
            if reply.headers.get("Retry-After"):
                turned_away.append(reply.seconds)
                stop.wait(float(reply.headers["Retry-After"]))

    tablets = [threading.Thread(target=tablet, daemon=True) for _ in range(TABLETS)]
    for thread in tablets:
        thread.start()
    try:
        gate = app.extensions["kiosk.long_polls"]
        wait_until(lambda: len(turned_away) >= TABLETS - gate.limit, what="every tablet polling")
        assert max(turned_away) < PROMPT  # the tablets beyond the cap were answered at once

        page = resident.get("/")
        assert page.status == 200 and page.seconds < PROMPT
        demo.insert("hanako")
        wait_until(lambda: terminal.snapshot()["step"] == "consent", what="the consent screen")
        consent = resident.get("/")
        assert 'data-step="consent"' in consent.text and consent.seconds < PROMPT
        agreed = resident.request("POST", "/action", {"action": "agree", "csrf_token": consent.csrf()})
        assert agreed.status in (200, 302, 303) and agreed.seconds < PROMPT
        pin = resident.get("/")
        assert 'data-step="pin"' in pin.text and pin.seconds < PROMPT
        for probe in (resident.get("/healthz"), staff.get("/healthz"), HttpClient(listeners.staff_address).get(
                "/staff/login")):  # fmt: skip
            assert probe.status in (200, 503) and probe.seconds < PROMPT
    finally:
        stop.set()
        terminal.nudge()  # the waiting polls answer now
        for thread in tablets:
            thread.join(timeout=10)
