"""/healthz tells monitoring when a visit has sat in one step far longer than any visit can."""

from __future__ import annotations

import threading
import time

from kiosk.visit.terminal import Terminal
from tests.support.waiting import wait_until


class HangingGateway:
    """The demo's service, except that registering hangs until the test lets it go."""

    def __init__(self, inner) -> None:
        self.inner, self.release = inner, threading.Event()

    def challenge(self):
        return self.inner.challenge()

    def register(self, *args, **kwargs):
        self.release.wait(30)
        return self.inner.register(*args, **kwargs)


def test_healthz_flags_a_visit_stuck_in_one_step(client, demo, terminal):
    gateway = terminal.gateway = HangingGateway(terminal.gateway)
    demo.insert("hanako")
    wait_until(lambda: terminal.snapshot()["step"] == "consent")
    client.post("/action", data={"action": "agree"})
    client.post("/pin", data={"pin": "1234"})
    wait_until(lambda: terminal.snapshot()["step"] == "registering")
    try:
        fine = client.get("/healthz")
        assert fine.json["visit"]["stuck"] is False
        later = time.monotonic() + Terminal.STUCK_AFTER_SECONDS + 1
        terminal.monotonic = lambda: later  # the same step, past the bound
        stuck = client.get("/healthz")
        assert stuck.status_code == 503 and not stuck.json["ok"]
        assert stuck.json["visit"] == {"step": "registering", "stuck": True,
                                       "seconds_in_step": stuck.json["visit"]["seconds_in_step"]}  # fmt: skip
        assert stuck.json["visit"]["seconds_in_step"] > Terminal.STUCK_AFTER_SECONDS
    finally:
        gateway.release.set()
