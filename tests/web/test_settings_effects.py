"""Settings that change what a resident meets, and what the kiosk writes to its log."""

import logging

from drivers.virtualcard.card import CardProfile
from tests.support.waiting import wait_recorded, wait_until


def _to_pin(client, demo, terminal, key="hanako"):
    demo.insert(key)
    wait_until(lambda: terminal.snapshot()["step"] == "consent" and not terminal.snapshot()["busy"], what="consent")
    client.post("/action", data={"action": "agree"})


def test_an_expired_nonce_of_the_in_process_service_refuses_the_registration(make_app):
    # A lifetime of 0 s: every nonce has expired by the time the card has signed it.
    app = make_app(gateway_nonce_seconds=0)
    app.config["WTF_CSRF_ENABLED"] = False
    client, demo, terminal = app.test_client(), app.extensions["kiosk.demo"], app.extensions["kiosk.terminal"]
    _to_pin(client, demo, terminal)
    client.post("/pin", data={"pin": "1234"})
    wait_until(lambda: terminal.snapshot()["step"] == "error", what="the refusal")
    assert terminal.snapshot()["reason"] == "registration_refused"


def test_a_demo_visit_logs_one_finished_line(client, demo, terminal, caplog):
    caplog.set_level(logging.INFO)
    _to_pin(client, demo, terminal)
    client.post("/pin", data={"pin": "1234"})
    wait_until(lambda: terminal.snapshot()["step"] == "done", what="done")
    demo.remove()
    wait_until(lambda: terminal.snapshot()["step"] == "idle", what="idle")
    wait_recorded(terminal)
    records = [r for r in caplog.records if "visit finished" in r.getMessage()]
    finished = [r.getMessage() for r in records]
    assert len(finished) == 1, finished
    assert "outcome=registered" in finished[0] and "language=ja" in finished[0]
    # Written by the statistics recorder's thread: a log line (which may block on a full journal
    # pipe) never runs under the terminal lock that pages and /state take.
    assert records[0].threadName == "statistics-recorder"


def test_no_log_record_holds_the_pin_or_the_residents_name(client, demo, terminal, residents, caplog):
    caplog.set_level(logging.DEBUG)
    _to_pin(client, demo, terminal)
    client.post("/pin", data={"pin": "9876"})
    wait_until(lambda: terminal.snapshot()["reason"] == "wrong_pin", what="wrong PIN")
    client.post("/pin", data={"pin": "1234"})
    wait_until(lambda: terminal.snapshot()["step"] == "done", what="done")
    demo.remove()
    wait_until(lambda: terminal.snapshot()["step"] == "idle", what="idle")
    wait_recorded(terminal)
    assert any("visit finished" in r.getMessage() for r in caplog.records)
    birth = residents["hanako"].birth_date
    secrets = ["9876", "1234", CardProfile.name, CardProfile.address, birth.isoformat(), birth.strftime("%Y%m%d")]
    for record in caplog.records:
        text = record.getMessage() + " " + str(record.args) + " " + (record.exc_text or "")
        assert not any(s and s in text for s in secrets), record.getMessage()


def test_making_the_app_starts_no_thread(instance):
    # As in Flask's tutorial, the factory only configures; `kiosk serve` starts the card worker.
    import threading

    from kiosk import create_app

    before = set(threading.enumerate())
    app = create_app({"demo": True, "instance_path": str(instance), "secret_key": "t"})
    assert set(threading.enumerate()) == before
    assert app.extensions["kiosk.terminal"].snapshot()["reader"] == "starting"  # nobody has looked yet
